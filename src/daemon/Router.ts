/**
 * The router: where each request of the protocol's table goes. Reads go to the lifecycle (the
 * database is the source of truth); transitions, captures and hook events go to the session's
 * actor, which serialises them; status is assembled from the tree and the writer; stop and watch
 * are the supervisor's own. A new request is one declaration in protocol/Protocol.ts and one
 * handler here.
 *
 * Every request that writes goes through the write pause (capture/IntakePause.ts): refused at once
 * (TransientError, code DISK_FULL) while the vault's disk is full, and pausing writes when it is
 * the one that finds the disk full. Reads are served either way.
 */
import { Effect, PubSub, Stream } from "effect"
import type { IntakePause } from "../capture/IntakePause.js"
import { PROTOCOL_VERSION, type StatusReply, UnsupportedProtocol, type Watch } from "../protocol/Protocol.js"
import type { Handlers, RequestHandler } from "../protocol/Server.js"
import type { SessionLifecycle } from "../session/Lifecycle.js"
import type { Sessions } from "../session/Sessions.js"
import type { WatchHub } from "../session/WatchHub.js"
import { type ConfigError, SystemError, type TransientError } from "../domain/Failure.js"

/** What the router routes to. */
export interface RouterServices {
  readonly version: string
  readonly lifecycle: SessionLifecycle["Type"]
  readonly sessions: Sessions
  readonly hub: WatchHub["Type"]
  readonly intake: IntakePause["Type"]
  readonly status: Effect.Effect<StatusReply, SystemError | ConfigError | TransientError>
  /** Asks the supervisor to stop gracefully. */
  readonly stop: Effect.Effect<void>
}

/** The handlers of every request. */
export const router = (s: RouterServices): RequestHandler<never> => {
  /** A request that writes: refused while writes are paused, and pausing them when it finds the disk full. */
  const writes = <A, E>(operation: string, self: Effect.Effect<A, E>): Effect.Effect<A, E | TransientError> =>
    Effect.zipRight(s.intake.guard(operation), s.intake.watch(self))
  const calls: Handlers<never> = {
    Hello: (request) =>
      request.protocol === PROTOCOL_VERSION
        ? Effect.succeed({ protocol: PROTOCOL_VERSION, version: s.version, pid: process.pid })
        : Effect.fail(new UnsupportedProtocol({ server: PROTOCOL_VERSION, client: request.protocol })),
    SessionCreate: (request) => writes("session.create", s.lifecycle.create(request)),
    SessionGet: (request) => s.lifecycle.get(request.id),
    SessionList: (request) => s.lifecycle.list({ status: request.status, agent: request.agent, limit: request.limit }),
    SessionHistory: (request) => s.lifecycle.history(request.id),
    SessionTransition: (request) =>
      writes("session.transition", s.sessions.transition(request.id, request.command, {
        reason: request.reason,
        actor: request.actor ?? "cli",
        expectedVersion: request.expectedVersion
      }).pipe(
        // A transition that kept killing its session's actor was dead-lettered: a bug in myco.
        Effect.catchTag("AgentError", (e) => Effect.fail(new SystemError({ operation: "session.transition", message: e.message })))
      )),
    Capture: (request) => writes("capture", s.sessions.capture(request.events)),
    HookEvent: (request) => writes("hook", Effect.flatten(s.sessions.submitHook(request))),
    Status: () => s.status,
    Stop: () => Effect.as(s.stop, { stopping: true })
  }
  const watch = (request: Watch) =>
    Effect.map(PubSub.subscribe(s.hub), (subscription) =>
      Stream.fromQueue(subscription).pipe(
        Stream.filter(
          (item) =>
            request.sessionId === undefined ||
            (item._tag === "Transitioned" ? item.record.sessionId === request.sessionId : item.sessionId === request.sessionId)
        )
      )
    )
  return { calls, watch }
}
