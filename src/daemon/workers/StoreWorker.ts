/**
 * The `store` worker: the upkeep and the watch of the vault's store on a schedule. Every
 * `checkpointEvery` it checkpoints (the store checks its files before and after); after a
 * checkpoint that failed, whatever the failure, it runs the quick check too, since a checkpoint
 * is where a damaged page is often met first; every `quickCheckEvery` it runs the quick check (a
 * bounded structural check that reads the files afresh). A damaged store is a SystemError, which
 * escalates (see session/Decider.ts). An interval of 0 turns that schedule off. While writes are
 * paused for a full disk it probes every second whether they can resume
 * (capture/IntakePause.ts): no checkpoint runs while paused, and one that finds the disk full
 * pauses writes instead of failing the worker.
 */
import { Behavior, ChildSpec } from "../../actor/index.js"
import { Effect, Schedule } from "effect"
import type { IntakePause } from "../../capture/IntakePause.js"
import { type ConfigError, isDiskFull, type SystemError, type TransientError } from "../../domain/Failure.js"
import { mycoDecider } from "../../session/Decider.js"
import type { Maintenance } from "../../store/Maintenance.js"

/** What the store worker needs. */
export interface StoreWorkerOptions {
  readonly maintenance: Maintenance["Type"]
  /** The write pause of a full disk (probed here, and a checkpoint on a full disk pauses writes). */
  readonly intake: IntakePause["Type"]
  /** `store.checkpoint_interval`, in milliseconds (0: only the store's own, size-driven checkpoints). */
  readonly checkpointEveryMs: number
  /** `store.quick_check_interval`, in milliseconds (0: never). */
  readonly quickCheckEveryMs: number
}

/** The store worker's messages: its own timers'. */
export type StoreTick = { readonly _tag: "Checkpoint" } | { readonly _tag: "QuickCheck" }

/** One checkpoint, followed by a quick check when it failed (the checkpoint's failure wins unless the check finds worse). */
export const checkpointThenCheck = (maintenance: Maintenance["Type"]) =>
  maintenance.checkpoint.pipe(Effect.catchAll((failure) => Effect.zipRight(maintenance.quickCheck, Effect.fail(failure))))

/** The child spec of the `store` worker. */
export const storeWorker = (options: StoreWorkerOptions) =>
  ChildSpec.worker(
    "store",
    Behavior.make<void, StoreTick, SystemError | ConfigError | TransientError>({
      init: (ctx) =>
        Effect.gen(function* () {
          const every = (ms: number, tick: StoreTick) =>
            ms > 0 ? Effect.asVoid(Effect.forkScoped(Effect.repeat(Effect.ignore(ctx.self.tell(tick)), Schedule.spaced(ms)).pipe(Effect.delay(ms)))) : Effect.void
          yield* every(options.checkpointEveryMs, { _tag: "Checkpoint" })
          yield* every(options.quickCheckEveryMs, { _tag: "QuickCheck" })
          yield* Effect.forkScoped(options.intake.probeLoop)
        }),
      receive: (_, message) =>
        Effect.gen(function* () {
          if (message._tag === "QuickCheck") return yield* options.maintenance.quickCheck
          if (yield* options.intake.paused) return
          // A full disk has paused writes (watch did it): the next checkpoint runs once they resume.
          yield* options.intake.watch(checkpointThenCheck(options.maintenance)).pipe(Effect.catchIf(isDiskFull, () => Effect.void))
        })
    }),
    { decider: mycoDecider }
  )
