/**
 * The RunStore port in memory: the runs of the shared MemoryState.
 */
import { Effect, Layer } from "effect"
import { RunStore } from "../RunStore.js"
import { MemoryState } from "./MemoryState.js"

/** RunStore in memory, on the shared MemoryState. */
export const layerRunStore: Layer.Layer<RunStore, never, MemoryState> = Layer.effect(
  RunStore,
  Effect.map(MemoryState, (state) =>
    RunStore.of({
      requeueInterrupted: Effect.sync(() => {
        const requeued: Array<string> = []
        for (const [id, run] of state.runs) {
          if (run.status !== "running") continue
          run.status = "queued"
          run.startedAtMs = null
          requeued.push(id)
        }
        return requeued
      })
    })
  )
)
