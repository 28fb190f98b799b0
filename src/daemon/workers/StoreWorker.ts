/**
 * The `store` worker: checkpoints the database's WAL every minute (a failure is the store's to
 * classify), and, while writes are paused for a full disk, probes every second whether they can
 * resume (capture/IntakePause.ts). No checkpoint runs while paused; one that finds the disk full
 * pauses writes instead of failing the worker.
 */
import { Behavior, ChildSpec } from "../../actor/index.js"
import { Effect } from "effect"
import type { IntakePause } from "../../capture/IntakePause.js"
import { type ConfigError, isDiskFull, type SystemError, type TransientError } from "../../domain/Failure.js"
import { mycoDecider } from "../../session/Decider.js"
import type { Maintenance } from "../../store/Maintenance.js"
import { type Tick, ticking } from "./Ticking.js"

/** The child spec of the `store` worker. */
export const storeWorker = (maintenance: Maintenance["Type"], intake: IntakePause["Type"]) =>
  ChildSpec.worker(
    "store",
    Behavior.make<void, Tick, SystemError | ConfigError | TransientError>({
      init: (ctx) => Effect.zipRight(ticking("1 minute")(ctx.self), Effect.asVoid(Effect.forkScoped(intake.probeLoop))),
      receive: () =>
        Effect.gen(function* () {
          if (yield* intake.paused) return
          // A full disk has paused writes (watch did it): the next checkpoint runs once they resume.
          yield* intake.watch(maintenance.checkpoint).pipe(Effect.catchIf(isDiskFull, () => Effect.void))
        })
    }),
    { decider: mycoDecider }
  )
