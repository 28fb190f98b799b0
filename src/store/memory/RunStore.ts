/**
 * The RunStore port in memory: the runs of the shared MemoryState.
 */
import { Effect, Layer } from "effect"
import { type Run, RunNotFound } from "../../domain/Run.js"
import { RunStore } from "../RunStore.js"
import { MemoryState } from "./MemoryState.js"

/** RunStore in memory, on the shared MemoryState. */
export const layerRunStore: Layer.Layer<RunStore, never, MemoryState> = Layer.effect(
  RunStore,
  Effect.map(MemoryState, (state) => {
    const update = (id: string, change: (run: Run) => Run) =>
      Effect.suspend(() => {
        const run = state.runs.get(id)
        if (run === undefined) return Effect.fail(new RunNotFound({ runId: id }))
        const next = change(run)
        state.runs.set(id, next)
        return Effect.succeed(next)
      })
    return RunStore.of({
      insert: (run) =>
        Effect.sync(() => {
          const stored: Run = {
            id: run.id,
            sessionId: run.sessionId,
            task: run.task,
            capability: run.capability,
            harness: run.harness,
            status: "queued",
            attempt: run.attempt,
            priority: run.priority,
            queuedAt: run.queuedAt,
            startedAt: null,
            endedAt: null,
            failureClass: null,
            failure: null,
            diagnostics: {},
            limits: null,
            usage: null,
            result: null
          }
          state.runs.set(run.id, stored)
          return stored
        }),
      start: (id, harness, limits, startedAt) => update(id, (run) => ({ ...run, status: "running", harness, limits, startedAt })),
      finish: (id, end) =>
        update(id, (run) => ({
          ...run,
          status: end.status,
          endedAt: end.endedAt,
          failureClass: end.failureClass,
          failure: end.failure,
          diagnostics: end.diagnostics,
          usage: end.usage,
          result: end.result ?? null
        })),
      get: (id) => update(id, (run) => run),
      list: (query) =>
        Effect.sync(() =>
          [...state.runs.values()]
            .reverse()
            .filter((r) => (query.sessionId === undefined || r.sessionId === query.sessionId) && (query.status === undefined || r.status === query.status))
            .sort((a, b) => b.queuedAt - a.queuedAt)
            .slice(0, query.limit ?? Number.MAX_SAFE_INTEGER)
        ),
      requeueInterrupted: Effect.sync(() => {
        const requeued: Array<string> = []
        for (const [id, run] of state.runs) {
          if (run.status !== "running") continue
          state.runs.set(id, { ...run, status: "queued", startedAt: null })
          requeued.push(id)
        }
        return requeued
      })
    })
  })
)
