/**
 * The RunStore port: the `runs` of intelligence tasks. For now only what the supervisor needs on
 * start: a run a crash left `running` lost its harness with the process, so it is queued again.
 */
import { Context, type Effect } from "effect"
import type { StoreFailure } from "./StoreFailure.js"

/** Intelligence runs. */
export class RunStore extends Context.Tag("myco/RunStore")<
  RunStore,
  {
    /**
     * Moves every run left `running` back to `queued` (clearing its start time), in one
     * transaction, and returns their ids.
     */
    readonly requeueInterrupted: Effect.Effect<ReadonlyArray<string>, StoreFailure>
  }
>() {}
