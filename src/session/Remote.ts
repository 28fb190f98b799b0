/**
 * The lifecycle through the running supervisor: the same service as the direct one, each call
 * a request on the supervisor's socket, so that its session actors and watchers see every change
 * at once. Errors the wire can carry but the lifecycle does not declare are mapped onto failure
 * classes: a supervisor that goes away or shuts down mid-call is transient; a frame it cannot
 * read, or one we cannot read, is a bug on one side (system).
 */
import { Effect, Layer } from "effect"
import { TransientError, SystemError } from "../domain/Failure.js"
import {
  SessionCreate,
  SessionGet,
  SessionHistory,
  SessionList,
  SessionTransition,
  type WireError
} from "../protocol/Protocol.js"
import type { ProtocolViolation, SupervisorClient, SupervisorUnavailable } from "../protocol/Client.js"
import { SessionLifecycle } from "./Lifecycle.js"

type Declared<E> = Extract<WireError, E>

/** Keeps the errors the caller declares; maps every other wire failure onto a failure class. */
const narrow =
  <Keep extends WireError["_tag"]>(operation: string, keep: ReadonlyArray<Keep>) =>
  <A>(
    self: Effect.Effect<A, WireError | SupervisorUnavailable | ProtocolViolation>
  ): Effect.Effect<A, Declared<{ readonly _tag: Keep }> | TransientError | SystemError> =>
    self.pipe(
      Effect.catchAll((error) => {
        const kept = (e: typeof error): e is Declared<{ readonly _tag: Keep }> | TransientError | SystemError =>
          keep.some((k) => k === e._tag) || e._tag === "TransientError" || e._tag === "SystemError"
        if (kept(error)) return Effect.fail(error)
        switch (error._tag) {
          case "SupervisorUnavailable":
          case "ShuttingDown":
            return Effect.fail(new TransientError({ operation, message: error.message, code: error._tag }))
          default:
            return Effect.fail(new SystemError({ operation, message: error.message, code: error._tag }))
        }
      })
    )

/** The lifecycle over `client`. */
export const layerRemote = (client: SupervisorClient): Layer.Layer<SessionLifecycle> =>
  Layer.succeed(
    SessionLifecycle,
    SessionLifecycle.of({
      create: (request) =>
        client
          .createSession(
            new SessionCreate({
              agent: request.agent,
              id: request.id,
              parentId: request.parentId,
              metadata: request.metadata,
              reason: request.reason,
              actor: request.actor
            })
          )
          .pipe(narrow("supervisor.session.create", ["SessionExists", "SessionNotFound", "AgentNotAllowed", "ConfigError"])),
      get: (id) => client.getSession(new SessionGet({ id })).pipe(narrow("supervisor.session.get", ["SessionNotFound", "ConfigError"])),
      list: (filter) =>
        client
          .listSessions(new SessionList({ status: filter.status, agent: filter.agent, limit: filter.limit }))
          .pipe(narrow("supervisor.session.list", ["ConfigError"])),
      transition: (id, command, request) =>
        client
          .transition(
            new SessionTransition({
              id,
              command,
              reason: request.reason,
              actor: request.actor,
              expectedVersion: request.expectedVersion
            })
          )
          .pipe(
            narrow("supervisor.session.transition", ["InvalidTransition", "VersionConflict", "SessionNotFound", "ConfigError"])
          ),
      history: (id) =>
        client.history(new SessionHistory({ id })).pipe(narrow("supervisor.session.history", ["SessionNotFound", "ConfigError"]))
    })
  )
