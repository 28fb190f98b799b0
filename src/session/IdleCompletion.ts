/**
 * Idle completion: an active session that has seen no activity (creation, transition, event) for
 * `sessions.idle_timeout` is completed, with the reason recorded. It runs when the supervisor
 * starts (sessions left active by a crash, or idle while no supervisor ran: through the lifecycle
 * directly, before serving) and then periodically (through each session's actor, which serialises
 * it with the session's own events).
 */
import { Clock, DateTime, Duration, Effect } from "effect"
import type { SessionId } from "../domain/Ids.js"
import { SessionStore } from "../store/SessionStore.js"
import type { StoreFailure } from "../store/StoreFailure.js"

/** Completes one idle session; a session that moved on meanwhile is left as it is. */
export type CompleteIdle = (id: SessionId, reason: string) => Effect.Effect<void>

/** Completes every session idle for longer than `idleTimeoutMs` (0: never). Returns how many it tried. */
export const completeIdleSessions = (
  idleTimeoutMs: number,
  complete: CompleteIdle,
  why: (idle: string) => string
): Effect.Effect<number, StoreFailure, SessionStore> =>
  Effect.gen(function* () {
    if (idleTimeoutMs <= 0) return 0
    const store = yield* SessionStore
    const now = yield* Clock.currentTimeMillis
    const idle = yield* store.idleSince(DateTime.unsafeMake(now - idleTimeoutMs))
    const reason = why(Duration.format(Duration.millis(idleTimeoutMs)))
    for (const id of idle) yield* complete(id, reason)
    return idle.length
  })
