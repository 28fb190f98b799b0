/**
 * The harness registry: the harnesses of the vault (built in and the project's manifests), the
 * queue of runs and their execution. A run asks for a capability (or names a harness); it is
 * recorded `queued`, placed by the scheduling rules (Scheduler.ts) and, once it starts, carried
 * out by its harness's runtime with a gateway scoped to it, under the manifest's limits. Every
 * ending is classified by failure class and recorded with its diagnostics:
 *
 * - AgentError (crash, timeout, limit, invalid result, forbidden tool, a defect of the runtime):
 *   the run fails, and counts towards the harness's circuit;
 * - TransientError (connection refused, 429, 5xx): the attempt fails and a new attempt is queued
 *   after an exponential backoff with jitter, `harness.transient_retries` times at most;
 * - ConfigError (binary or model missing): the run fails with the fix; the circuit is not touched;
 * - SystemError (disk full): the run fails, and the failure is passed on to the executor, which
 *   escalates it (in the supervisor: to the root of the tree);
 * - interruption: the run is cancelled.
 *
 * Where a started run executes is the `Executor`'s business: in the supervisor each harness is an
 * actor that owns its runs (HarnessActor.ts); in a CLI process without a supervisor, a fiber of
 * the command.
 */
import { Cause, Clock, DateTime, Deferred, Duration, Effect, Exit, Random, Ref, type Scope } from "effect"
import type { HarnessInfo } from "../domain/HarnessInfo.js"
import { SessionId } from "../domain/Ids.js"
import type { Run, RunDiagnosticsData, RunEnd, RunFailureClass } from "../domain/Run.js"
import { AgentError, SystemError } from "../domain/Failure.js"
import type { SessionNotFound } from "../domain/Errors.js"
import { EventStore } from "../store/EventStore.js"
import { RunStore } from "../store/RunStore.js"
import { SessionStore } from "../store/SessionStore.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import type { MycoConfig } from "../vault/Config.js"
import * as Circuit from "./Circuit.js"
import { GatewayFactory } from "./GatewayFactory.js"
import type { HarnessManifest } from "./Manifest.js"
import { type ManifestEntry, entryName } from "./Manifests.js"
import { type HarnessRuntime, type RunDiagnostics, type RunFailure, type RunOutcome, Runtimes } from "./Runtime.js"
import { type Candidate, type Pending, plan, nextWake } from "./Scheduler.js"
import type { TaskDocument } from "./Task.js"

/** How many events a task carries inline; the rest are read through the gateway. */
export const INLINE_EVENTS = 100

/** A run to carry out. */
export interface RunRequest {
  readonly sessionId: string
  /** The task's name (`try` for an ad-hoc run). */
  readonly task: string
  readonly capability: string
  /** Run on this harness, not one picked by capability. */
  readonly harness?: string
  readonly priority?: number
  /** For model-driven runtimes: what to do, in words. */
  readonly instructions: string
  readonly outputSchema?: unknown
}

/** Where a started run executes: it must run `run` to its end (or interrupt it) and pass on its SystemError. */
export type Executor = (harness: string, run: Effect.Effect<void, SystemError>) => Effect.Effect<void>

/** The registry's operations. */
export interface Harnesses {
  /** Every harness, valid or not, with its state now. */
  readonly list: Effect.Effect<ReadonlyArray<HarnessInfo>>
  /** The manifests as discovered. */
  readonly entries: ReadonlyArray<ManifestEntry>
  /** Queues a run and waits for its end (every attempt recorded); the final attempt's row. */
  readonly submit: (request: RunRequest) => Effect.Effect<Run, SessionNotFound | StoreFailure>
  /** The circuit states now, by harness. */
  readonly circuits: Effect.Effect<ReadonlyMap<string, Circuit.CircuitState>>
}

interface Queued extends Pending {
  readonly request: RunRequest
  readonly attempt: number
  readonly done: Deferred.Deferred<Run>
}

interface Running {
  readonly runId: string
  readonly sessionId: string
  readonly harness: string
  readonly memory: number
}

const failureText = (e: RunFailure): string =>
  e._tag === "ConfigError" ? `${e.message} (${e.hint}; ${e.fix})` : e._tag === "AgentError" ? e.message : `${e.message} (${e.operation})`

/** Merges what a run observed: later values win, refused tools accumulate. */
const mergeDiagnostics = (a: RunDiagnostics, b: RunDiagnostics): RunDiagnostics => ({
  ...a,
  ...b,
  ...(a.refusedTools !== undefined || b.refusedTools !== undefined ? { refusedTools: [...(a.refusedTools ?? []), ...(b.refusedTools ?? [])] } : {})
})

const newRunId = (now: number) => Effect.map(Random.nextIntBetween(0, 36 ** 6), (n) => `run-${now.toString(36)}-${n.toString(36).padStart(6, "0")}`)

/** Options of {@link makeHarnesses}. */
export interface HarnessesOptions {
  readonly entries: ReadonlyArray<ManifestEntry>
  readonly config: MycoConfig
  readonly projectRoot: string
  readonly vaultDir: string
  readonly executor: Executor
}

/** The registry, for the life of the current scope. */
export const makeHarnesses = (
  options: HarnessesOptions
): Effect.Effect<Harnesses, never, RunStore | SessionStore | EventStore | Runtimes | GatewayFactory | Scope.Scope> =>
  Effect.gen(function* () {
    const runs = yield* RunStore
    const sessions = yield* SessionStore
    const events = yield* EventStore
    const runtimes = yield* Runtimes
    const gateways = yield* GatewayFactory
    const { config } = options
    const manifests = new Map<string, HarnessManifest>()
    for (const e of options.entries) if (e._tag === "Valid") manifests.set(e.manifest.name, e.manifest)

    const unavailable = (m: HarnessManifest): string | undefined =>
      runtimes.has(m.runtime) ? undefined : `the ${m.runtime} runtime is not available in this myco`

    const candidates: ReadonlyArray<Candidate> = options.entries.map((e): Candidate => {
      if (e._tag === "Invalid") return { name: e.name, capabilities: [], concurrency: 0, memory: 0, builtin: false, unusable: `its manifest ${e.source} is invalid` }
      const why = unavailable(e.manifest)
      return {
        name: e.manifest.name,
        capabilities: e.manifest.capabilities,
        concurrency: e.manifest.concurrency,
        memory: e.manifest.limits.memory,
        builtin: e.manifest.source === "builtin",
        ...(why === undefined ? {} : { unusable: why })
      }
    })

    // The queue, the running runs and the circuits: changed only inside `Effect.sync` steps.
    const state = {
      seq: 0,
      pending: [] as Array<Queued>,
      running: new Map<string, Running>(),
      circuits: new Map<string, Circuit.CircuitState>(),
      wakeAt: undefined as number | undefined
    }
    const scope = yield* Effect.scope

    const end = (id: string, e: RunEnd) =>
      runs.finish(id, e).pipe(
        Effect.catchAll((failure) =>
          Effect.as(Effect.logError(`run ${id}: its end could not be recorded: ${failure.message}`), undefined)
        )
      )

    const failUnservable = (queued: Queued, reason: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const row = yield* end(queued.runId, {
          status: "failed",
          endedAt: now,
          failureClass: "ConfigError",
          failure: `${reason} (fix: myco harness list)`,
          diagnostics: { note: reason },
          usage: null,
          result: null
        })
        if (row !== undefined) yield* Deferred.succeed(queued.done, row)
        else yield* Effect.flatMap(runs.get(queued.runId).pipe(Effect.orDie), (r) => Deferred.succeed(queued.done, r))
      })

    const dispatch: Effect.Effect<void> = Effect.suspend(() =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const decided = plan({
          pending: state.pending,
          active: [...state.running.values()],
          harnesses: candidates,
          circuits: state.circuits,
          preference: config.harness.preference,
          resources: { maxConcurrent: config.harness.max_concurrent, memoryBudget: config.harness.memory_budget },
          now
        })
        const taken = new Map<string, Queued>()
        const removed = new Set([...decided.starts.map((s) => s.runId), ...decided.unservable.map((u) => u.runId)])
        for (const q of state.pending) if (removed.has(q.runId)) taken.set(q.runId, q)
        state.pending = state.pending.filter((q) => !removed.has(q.runId))
        state.circuits = new Map(decided.circuits)
        for (const s of decided.starts) {
          const q = taken.get(s.runId)
          const m = manifests.get(s.harness)
          if (q === undefined || m === undefined) continue
          state.running.set(q.runId, { runId: q.runId, sessionId: q.sessionId, harness: m.name, memory: m.limits.memory })
        }
        for (const u of decided.unservable) {
          const q = taken.get(u.runId)
          if (q !== undefined) yield* failUnservable(q, u.reason)
        }
        for (const s of decided.starts) {
          const q = taken.get(s.runId)
          const m = manifests.get(s.harness)
          const runtime = m === undefined ? undefined : runtimes.get(m.runtime)
          if (q === undefined || m === undefined || runtime === undefined) continue
          // Started from wherever dispatch runs (the end of another run is uninterruptible): the
          // run itself must always be interruptible, or its timeout could not stop it.
          yield* options.executor(m.name, Effect.interruptible(execute(q, m, runtime)))
        }
        // A run waiting for an open circuit is looked at again when the circuit half-opens.
        const wake = state.pending.length > 0 ? nextWake(state.circuits, now) : undefined
        if (wake !== undefined && (state.wakeAt === undefined || wake < state.wakeAt)) {
          state.wakeAt = wake
          yield* Effect.forkIn(
            Effect.interruptible(
              Effect.zipRight(Effect.sleep(Duration.millis(wake - now)), Effect.suspend(() => {
                state.wakeAt = undefined
                return dispatch
              }))
            ),
            scope
          )
        }
      })
    )

    const enqueue = (request: RunRequest, attempt: number, done: Deferred.Deferred<Run>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const id = yield* newRunId(now)
        yield* runs.insert({
          id,
          sessionId: request.sessionId,
          task: request.task,
          capability: request.capability,
          harness: request.harness ?? null,
          attempt,
          priority: request.priority ?? 0,
          queuedAt: now
        })
        state.seq += 1
        state.pending.push({
          runId: id,
          sessionId: request.sessionId,
          capability: request.capability,
          harness: request.harness ?? null,
          priority: request.priority ?? 0,
          seq: state.seq,
          request,
          attempt,
          done
        })
        yield* dispatch
      })

    const taskDocument = (q: Queued, m: HarnessManifest, allowed: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const session = yield* sessions.get(SessionId.make(q.sessionId))
        const page = yield* events.list(session.id, { limit: INLINE_EVENTS + 1 })
        const inline = page.slice(0, INLINE_EVENTS).map((e) => ({ seq: e.seq, kind: e.kind, at: DateTime.formatIso(e.at), late: e.late, payload: e.payload }))
        const document: TaskDocument = {
          schema: "myco.task/v1",
          runId: q.runId,
          task: {
            name: q.request.task,
            capability: q.request.capability,
            instructions: q.request.instructions,
            outputSchema: q.request.outputSchema ?? {}
          },
          session: {
            id: session.id,
            agent: session.agent,
            status: session.status,
            ...(session.metadata.title === null ? {} : { title: session.metadata.title }),
            ...(session.metadata.cwd === null ? {} : { cwd: session.metadata.cwd }),
            startedAt: DateTime.formatIso(session.createdAt),
            ...(session.completedAt === null ? {} : { endedAt: DateTime.formatIso(session.completedAt) }),
            eventCount: session.counters.events
          },
          events: { inline, total: session.counters.events, more: page.length > INLINE_EVENTS },
          tools: { allowed },
          limits: { timeoutMs: m.limits.timeout, turns: m.limits.turns, tokens: m.limits.tokens, outputBytes: m.limits.output }
        }
        return document
      })

    /** One attempt, from `running` to its recorded end; the circuit and the queue learn of it. */
    const execute = (q: Queued, m: HarnessManifest, runtime: HarnessRuntime): Effect.Effect<void, SystemError> =>
      // Only the attempt is interruptible: its end is recorded whatever happens, a kill included.
      Effect.uninterruptibleMask((restore) => Effect.gen(function* () {
        const diagnostics = yield* Ref.make<RunDiagnostics>({})
        const startedAt = yield* Clock.currentTimeMillis
        const attempt: Effect.Effect<RunOutcome, RunFailure | StoreFailure | SessionNotFound | AgentError> = Effect.scoped(
          Effect.gen(function* () {
            yield* runs.start(q.runId, m.name, m.limits, startedAt).pipe(Effect.catchTag("RunNotFound", (e) => Effect.die(e)))
            const gateway = yield* gateways(q.runId, m, SessionId.make(q.sessionId))
            const task = yield* taskDocument(q, m, gateway.tools.map((t) => t.name))
            const run = runtime.run({
              runId: q.runId,
              manifest: m,
              task,
              gateway,
              projectRoot: options.projectRoot,
              vaultDir: options.vaultDir,
              diagnose: (d) => Ref.update(diagnostics, (current) => mergeDiagnostics(current, d))
            })
            // The runtime enforces its timeout itself; this is the net under it, for a runtime
            // that does not stop (a bug): the harness is never allowed to hang its slot for ever.
            const grace = m.limits.timeout > 0 ? m.limits.timeout + 10_000 : 0
            return yield* (grace > 0
              ? Effect.timeoutFail(run, {
                  duration: Duration.millis(grace),
                  onTimeout: () => new AgentError({ actor: `harness/${m.name}`, message: `did not stop within 10 s of its timeout`, limit: "timeout" })
                })
              : run)
          })
        ).pipe(
          // A defect of a runtime is the harness's failure: isolated, counted, never a crash of myco.
          Effect.catchAllDefect((defect) => Effect.fail(new AgentError({ actor: `harness/${m.name}`, message: `the runtime failed: ${Cause.pretty(Cause.die(defect)).split("\n")[0] ?? String(defect)}` })))
        )
        const exit = yield* Effect.exit(restore(attempt))
        const endedAt = yield* Clock.currentTimeMillis
        const observed = yield* Ref.get(diagnostics)
        const data: RunDiagnosticsData = { ...observed, ...(observed.refusedTools === undefined ? {} : { refusedTools: [...observed.refusedTools] }) }
        let ended: RunEnd
        let retry = false
        let escalate: SystemError | undefined
        if (Exit.isSuccess(exit)) {
          ended = { status: "succeeded", endedAt, failureClass: null, failure: null, diagnostics: data, usage: exit.value.usage, result: exit.value.output }
          state.circuits.set(m.name, Circuit.succeeded(state.circuits.get(m.name) ?? Circuit.closed))
        } else if (Cause.isInterruptedOnly(exit.cause)) {
          ended = { status: "cancelled", endedAt, failureClass: null, failure: "interrupted", diagnostics: data, usage: observed.usage ?? null, result: null }
          state.circuits.set(m.name, Circuit.inconclusive(state.circuits.get(m.name) ?? Circuit.closed, endedAt))
        } else {
          const failure = Cause.failureOption(exit.cause)
          const error = failure._tag === "Some" ? failure.value : new AgentError({ actor: `harness/${m.name}`, message: Cause.pretty(exit.cause) })
          const klass: RunFailureClass =
            error._tag === "SessionNotFound" ? "ConfigError" : error._tag
          const message = error._tag === "SessionNotFound" ? error.message : failureText(error)
          ended = { status: "failed", endedAt, failureClass: klass, failure: message, diagnostics: data, usage: observed.usage ?? null, result: null }
          const circuit = state.circuits.get(m.name) ?? Circuit.closed
          state.circuits.set(m.name, klass === "AgentError" ? Circuit.failed(circuit, endedAt, m.circuit) : Circuit.inconclusive(circuit, endedAt))
          retry = klass === "TransientError" && q.attempt <= config.harness.transient_retries
          if (error._tag === "SystemError") escalate = error
        }
        const row = yield* end(q.runId, ended)
        state.running.delete(q.runId)
        if (retry) {
          const jitter = yield* Random.nextRange(0.8, 1.2)
          const delay = Math.min(30_000, 1000 * 2 ** (q.attempt - 1)) * jitter
          yield* Effect.logWarning(`run ${q.runId} on ${m.name}: ${ended.failure}; attempt ${q.attempt + 1} in ${Math.round(delay)} ms`)
          yield* Effect.forkIn(
            Effect.interruptible(Effect.zipRight(
              Effect.sleep(Duration.millis(delay)),
              enqueue(q.request, q.attempt + 1, q.done).pipe(
                Effect.catchAll((e) => Effect.zipRight(Effect.logError(`run ${q.runId}: the retry could not be queued: ${e.message}`), Effect.flatMap(runs.get(q.runId).pipe(Effect.orDie), (r) => Deferred.succeed(q.done, r))))
              )
            )),
            scope
          )
        } else {
          yield* Effect.flatMap(row === undefined ? runs.get(q.runId).pipe(Effect.orDie) : Effect.succeed(row), (r) => Deferred.succeed(q.done, r))
        }
        yield* dispatch
        if (escalate !== undefined) return yield* escalate
      }))

    const info = (now: number): ReadonlyArray<HarnessInfo> =>
      options.entries.map((e) => {
        const name = entryName(e)
        const running = [...state.running.values()].filter((r) => r.harness === name).map((r) => r.runId)
        const circuit = state.circuits.get(name) ?? Circuit.closed
        if (e._tag === "Invalid") {
          return { name, runtime: "", capabilities: [], source: e.source, status: "invalid" as const, detail: e.problems[0] ?? "invalid", circuit: "closed" as const, concurrency: 0, running, problems: e.problems }
        }
        const m = e.manifest
        const why = unavailable(m)
        const circuitName = Circuit.name(circuit, now)
        return {
          name,
          runtime: m.runtime,
          capabilities: m.capabilities,
          source: m.source,
          status: why !== undefined ? ("unavailable" as const) : circuitName === "open" ? ("circuit open" as const) : ("ok" as const),
          detail: why ?? `circuit ${Circuit.describe(circuit, now)}`,
          circuit: circuitName,
          concurrency: m.concurrency,
          running,
          problems: []
        }
      })

    return {
      entries: options.entries,
      list: Effect.map(Clock.currentTimeMillis, info),
      circuits: Effect.sync(() => new Map(state.circuits)),
      submit: (request) =>
        Effect.gen(function* () {
          yield* sessions.get(SessionId.make(request.sessionId))
          const done = yield* Deferred.make<Run>()
          yield* enqueue(request, 1, done)
          return yield* Deferred.await(done)
        })
    }
  })
