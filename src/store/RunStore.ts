/**
 * The RunStore port: the `runs` of intelligence tasks, one row per attempt (domain/Run.ts). The
 * scheduler writes a run as it moves (queued, running, ended); the CLI reads them; the supervisor,
 * on start, queues again what a crash left `running` (it lost its harness with the process).
 */
import { Context, type Effect } from "effect"
import type { Run, RunEnd, RunLimits, RunNotFound, RunStatus } from "../domain/Run.js"
import type { StoreFailure } from "./StoreFailure.js"

/** A run to queue. */
export interface NewRun {
  readonly id: string
  readonly sessionId: string
  readonly task: string
  readonly capability: string
  /** The harness, when the run names one (an ad-hoc run). */
  readonly harness: string | null
  readonly attempt: number
  readonly priority: number
  readonly queuedAt: number
}

/** Which runs to list. */
export interface RunQuery {
  readonly sessionId?: string | undefined
  readonly status?: RunStatus | undefined
  /** At most this many, newest first. */
  readonly limit?: number | undefined
}

/** Intelligence runs. */
export class RunStore extends Context.Tag("myco/RunStore")<
  RunStore,
  {
    /** Records a queued run. The session must exist (SessionNotFound is the caller's to check first). */
    readonly insert: (run: NewRun) => Effect.Effect<Run, StoreFailure>
    /** A queued run starts on `harness` under `limits`. */
    readonly start: (id: string, harness: string, limits: RunLimits, startedAt: number) => Effect.Effect<Run, RunNotFound | StoreFailure>
    /** A run ended. */
    readonly finish: (id: string, end: RunEnd) => Effect.Effect<Run, RunNotFound | StoreFailure>
    readonly get: (id: string) => Effect.Effect<Run, RunNotFound | StoreFailure>
    /** Runs, newest first. */
    readonly list: (query: RunQuery) => Effect.Effect<ReadonlyArray<Run>, StoreFailure>
    /**
     * Moves every run left `running` back to `queued` (clearing its start time), in one
     * transaction, and returns their ids.
     */
    readonly requeueInterrupted: Effect.Effect<ReadonlyArray<string>, StoreFailure>
  }
>() {}
