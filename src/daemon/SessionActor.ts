/**
 * The session actor: one per live session, a child of the sessions' dynamic supervisor, addressed
 * by session id through a registry that passivates it when idle. It is the serialisation point of
 * its session: captures are queued for the writer in the order they arrive, and transitions go
 * through the lifecycle one at a time, each published to watchers once committed.
 *
 * Its state is only the session id: the database is the source of truth, and the lifecycle's
 * compare-and-set protects every transition, so a restarted or reactivated actor needs nothing
 * restored.
 */
import { Behavior, type Reply } from "../actor/index.js"
import { Deferred, Effect, PubSub } from "effect"
import { CaptureWriter, WatchHub } from "../capture/CaptureWriter.js"
import type { SessionNotFound, VersionConflict } from "../domain/Errors.js"
import type { AppendOutcome, CapturedEvent } from "../domain/Event.js"
import type { SystemError } from "../domain/Failure.js"
import type { ShuttingDown } from "../domain/Protocol.js"
import type { InvalidTransition, Session, TransitionCommand } from "../domain/Session.js"
import { SessionLifecycle, type TransitionRequest } from "../session/Lifecycle.js"
import { SessionId } from "../domain/Ids.js"
import type { StoreFailure } from "../store/Failures.js"

/** The outcomes of a capture, once committed. */
export type CaptureTicket = Deferred.Deferred<ReadonlyArray<AppendOutcome>, SessionNotFound | StoreFailure | ShuttingDown>

/** The messages of a session actor. */
export type SessionMessage =
  | {
      readonly _tag: "Capture"
      readonly events: ReadonlyArray<CapturedEvent>
      readonly reply: Reply.Reply<CaptureTicket, ShuttingDown>
    }
  | {
      readonly _tag: "Transition"
      readonly command: TransitionCommand
      readonly request: TransitionRequest
      readonly reply: Reply.Reply<Session, InvalidTransition | VersionConflict | SessionNotFound | StoreFailure>
    }

/** The behaviour shared by every session actor. */
export const sessionBehavior = Behavior.make<SessionId, SessionMessage, SystemError, CaptureWriter | SessionLifecycle | WatchHub>({
  init: (context) => Effect.succeed(SessionId.make(context.id)),
  receive: (id, message) =>
    Effect.gen(function* () {
      switch (message._tag) {
        case "Capture": {
          const writer = yield* CaptureWriter
          // Queued here, in mailbox order; the caller waits for the commit outside the actor.
          yield* message.reply.complete(writer.enqueue(message.events))
          return id
        }
        case "Transition": {
          const lifecycle = yield* SessionLifecycle
          const hub = yield* WatchHub
          const outcome = yield* Effect.either(lifecycle.transition(id, message.command, message.request))
          if (outcome._tag === "Right") {
            const history = yield* Effect.either(lifecycle.history(id))
            const last = history._tag === "Right" ? history.right[history.right.length - 1] : undefined
            if (last !== undefined) yield* PubSub.publish(hub, { _tag: "Transitioned", record: last })
            yield* message.reply.succeed(outcome.right)
          } else {
            yield* message.reply.fail(outcome.left)
            // The caller has its answer; a broken vault is also the supervisor's business.
            if (outcome.left._tag === "SystemError") return yield* outcome.left
          }
          return id
        }
      }
    })
})
