/**
 * The `maintenance` worker: completes idle sessions (through their actors) and asks the
 * supervisor to stop once it has been idle long enough (no active session, no connection). While
 * writes are paused for a full disk it completes nothing (that would write), and does not stop
 * the supervisor: it waits for the space with the hooks' events in the spool.
 */
import { Behavior, ChildSpec } from "../../actor/index.js"
import { Clock, type Duration, Effect } from "effect"
import type { ConfigError, SystemError, TransientError } from "../../domain/Failure.js"
import { mycoDecider } from "../../session/Decider.js"
import { type CompleteIdle, completeIdleSessions } from "../../session/IdleCompletion.js"
import type { SessionStore } from "../../store/SessionStore.js"
import { type Tick, ticking } from "./Ticking.js"

/** What the maintenance worker needs. */
export interface MaintenanceOptions {
  readonly every: Duration.DurationInput
  /** `sessions.idle_timeout`, in milliseconds (0: never). */
  readonly idleTimeoutMs: number
  /** `daemon.idle_exit`, in milliseconds (0: never). */
  readonly idleExitMs: number
  readonly store: SessionStore["Type"]
  readonly complete: CompleteIdle
  /** Open connections now. */
  readonly connections: Effect.Effect<number>
  /** Asks the supervisor to stop (it is idle). */
  readonly idle: Effect.Effect<void>
  /** Whether writes are paused (a full disk). */
  readonly paused: Effect.Effect<boolean>
}

/** The child spec of the `maintenance` worker. */
export const maintenanceWorker = (options: MaintenanceOptions) =>
  Effect.map(Clock.currentTimeMillis, (startedMs) => {
    let lastBusyMs = startedMs
    return ChildSpec.worker(
      "maintenance",
      Behavior.make<void, Tick, SystemError | ConfigError | TransientError, SessionStore>({
        init: (ctx) => ticking(options.every)(ctx.self),
        receive: () =>
          Effect.gen(function* () {
            if (yield* options.paused) {
              lastBusyMs = yield* Clock.currentTimeMillis
              return
            }
            yield* completeIdleSessions(options.idleTimeoutMs, options.complete, (idle) => `idle for ${idle}`)
            const now = yield* Clock.currentTimeMillis
            const counts = yield* options.store.countByStatus
            const connections = yield* options.connections
            if (counts.active > 0 || connections > 0) lastBusyMs = now
            else if (options.idleExitMs > 0 && now - lastBusyMs >= options.idleExitMs) yield* options.idle
          })
      }),
      { decider: mycoDecider }
    )
  })
