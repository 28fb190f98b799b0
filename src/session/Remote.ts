/**
 * The lifecycle through the running supervisor: the same service as the direct one, each call a
 * request of the protocol's table, so that the supervisor's session actors and watchers see every
 * change at once. Each request declares the errors the lifecycle declares; what only the wire can
 * fail with is mapped onto failure classes: a supervisor that goes away or shuts down mid-call is
 * transient; a frame it cannot read, or one we cannot read, is a bug on one side (system).
 */
import { Effect, Layer } from "effect"
import { SystemError, TransientError } from "../domain/Failure.js"
import type { CallError, SupervisorClient } from "../protocol/Client.js"
import {
  type CallTag,
  type ErrorOf,
  type FrameError,
  SessionCreate,
  SessionGet,
  SessionHistory,
  SessionList,
  SessionTransition,
  type TransportError
} from "../protocol/Protocol.js"
import { SessionLifecycle } from "./Lifecycle.js"

const transportTags: ReadonlySet<string> = new Set(["SupervisorUnavailable", "ProtocolViolation", "BadFrame", "FrameTooLarge", "FrameTooDeep", "Overloaded", "UnsupportedProtocol", "ShuttingDown"])

const isTransport = (error: { readonly _tag: string }): error is FrameError | TransportError => transportTags.has(error._tag)

/** A call's own errors pass; the wire's become failure classes. */
const overWire =
  (operation: string) =>
  <A, K extends CallTag>(self: Effect.Effect<A, CallError<K>>): Effect.Effect<A, Exclude<ErrorOf<K>, FrameError | TransportError> | TransientError | SystemError> =>
    self.pipe(
      Effect.catchIf(isTransport, (error) =>
        Effect.fail(
          error._tag === "SupervisorUnavailable" || error._tag === "ShuttingDown" || error._tag === "Overloaded"
            ? new TransientError({ operation, message: error.message, code: error._tag })
            : new SystemError({ operation, message: error.message, code: error._tag })
        )
      )
    )

/** The lifecycle over `client`. */
export const layerRemote = (client: SupervisorClient): Layer.Layer<SessionLifecycle> =>
  Layer.succeed(
    SessionLifecycle,
    SessionLifecycle.of({
      create: (request) =>
        client
          .call(
            new SessionCreate({
              agent: request.agent,
              id: request.id,
              parentId: request.parentId,
              metadata: request.metadata,
              reason: request.reason,
              actor: request.actor
            })
          )
          .pipe(overWire("supervisor.session.create")),
      get: (id) => client.call(new SessionGet({ id })).pipe(overWire("supervisor.session.get")),
      list: (filter) =>
        client.call(new SessionList({ status: filter.status, agent: filter.agent, limit: filter.limit })).pipe(overWire("supervisor.session.list")),
      transition: (id, command, request) =>
        client
          .call(new SessionTransition({ id, command, reason: request.reason, actor: request.actor, expectedVersion: request.expectedVersion }))
          .pipe(overWire("supervisor.session.transition")),
      history: (id) => client.call(new SessionHistory({ id })).pipe(overWire("supervisor.session.history"))
    })
  )
