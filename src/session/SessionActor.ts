/**
 * The session actor: one per live session, a child of the sessions' dynamic supervisor, addressed
 * by session id through a registry that passivates it when idle. It is the serialisation point of
 * its session: captures are queued for the writer in the order they arrive, and transitions go
 * through the lifecycle one at a time, each published to watchers once committed. Hook events
 * also drive the lifecycle here, in their order: the first creates the session, a resume reopens
 * it, the end completes it once that event is stored.
 *
 * Its state is only the session id: the database is the source of truth, and the lifecycle's
 * compare-and-set protects every transition, so a restarted or reactivated actor needs nothing
 * restored.
 *
 * An event it refuses (its agent may not create sessions here, or the session does not capture)
 * is not stored, but it is counted, per agent (RefusalStore), for `myco doctor` and `myco hooks
 * status`, and logged at warn: once per agent and minute at most, the store says when.
 */
import { Behavior, type Reply } from "../actor/index.js"
import { DateTime, Deferred, Effect, Either } from "effect"
import { boundedPayload } from "../lean/Boundary.js"
import { CaptureWriter, type SubmitError } from "../capture/CaptureWriter.js"
import type { SessionHookEvent } from "../capture/HookIntake.js"
import type { SessionNotFound, VersionConflict } from "../domain/Errors.js"
import { type AppendOutcome, CapturedEvent } from "../domain/Event.js"
import type { SystemError } from "../domain/Failure.js"
import type { HookEventReply, ShuttingDown, Transitioned } from "../protocol/Protocol.js"
import type { InvalidTransition, TransitionCommand } from "../domain/Session.js"
import { SessionLifecycle, type TransitionRequest } from "./Lifecycle.js"
import { SessionId } from "../domain/Ids.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import { EventStore } from "../store/EventStore.js"
import { type RefusalReason, RefusalStore } from "../store/RefusalStore.js"

/** The outcomes of a capture, once committed. */
export type CaptureTicket = Deferred.Deferred<ReadonlyArray<AppendOutcome>, SubmitError>

/** What became of a hook event, once committed. */
export type HookTicket = Deferred.Deferred<HookEventReply, SubmitError>

/** The messages of a session actor. */
export type SessionMessage =
  | {
      readonly _tag: "Capture"
      readonly events: ReadonlyArray<CapturedEvent>
      readonly reply: Reply.Reply<CaptureTicket, ShuttingDown>
    }
  | {
      readonly _tag: "Hook"
      readonly hook: SessionHookEvent
      readonly reply: Reply.Reply<HookTicket, ShuttingDown>
    }
  | {
      readonly _tag: "Transition"
      readonly command: TransitionCommand
      readonly request: TransitionRequest
      readonly reply: Reply.Reply<Transitioned, InvalidTransition | VersionConflict | SessionNotFound | StoreFailure>
    }

export type SessionActorServices = CaptureWriter | SessionLifecycle | EventStore | RefusalStore

/** How often, at most, the refusals of one agent are logged. */
const REFUSAL_WARN_EVERY_MS = 60_000

const refusalCause: { readonly [R in RefusalReason]: string } = {
  "agent-not-allowed": "it is not in agents.allowed (add it there in .myco/myco.yaml, or `myco hooks uninstall --agent` it)",
  "capture-off": "capture is off for its sessions (sessions.capture in .myco/myco.yaml)"
}

/**
 * Counts a refused event of `hook`'s agent and warns about it (throttled). Counting is bookkeeping:
 * when the store fails for a passing reason the refusal is still answered and the failure logged;
 * a broken vault is the supervisor's business, as anywhere else.
 */
const recordRefusal = (hook: SessionHookEvent, reason: RefusalReason) =>
  Effect.gen(function* () {
    const refusals = yield* RefusalStore
    const at = yield* DateTime.now
    const recorded = yield* refusals.record({ agent: hook.agent, event: hook.hookEvent, reason, at }, { warnEveryMs: REFUSAL_WARN_EVERY_MS })
    if (recorded.warn) {
      yield* Effect.logWarning(`hook events of ${hook.agent} are refused, ${recorded.count} so far (last: ${hook.hookEvent}): ${refusalCause[reason]}`)
    }
  }).pipe(
    Effect.catchIf(
      (e) => e._tag !== "SystemError",
      (e) => Effect.logWarning(`a refused hook event of ${hook.agent} was not counted: ${e.message}`)
    )
  )

/** Runs a transition (the lifecycle tells the watchers once it is committed). */
const transition = (id: SessionId, command: TransitionCommand, request: TransitionRequest) =>
  Effect.flatMap(SessionLifecycle, (lifecycle) => lifecycle.transition(id, command, request))

type HookFailure = SubmitError

/** The session of a hook event, created by its first event when the agent may create sessions. */
const sessionOf = (id: SessionId, hook: SessionHookEvent) =>
  Effect.gen(function* () {
    const lifecycle = yield* SessionLifecycle
    // Only "not found" means "create it": a store failure on this read is the caller's to see.
    const found = yield* lifecycle.get(id).pipe(Effect.catchTag("SessionNotFound", () => Effect.succeed(undefined)))
    if (found !== undefined) return found
    const created = yield* lifecycle
      .create({ agent: hook.agent, id, metadata: hook.metadata, reason: `first event: ${hook.hookEvent} hook`, actor: `agent:${hook.agent}` })
      .pipe(
        Effect.map(({ session }) => session),
        Effect.catchTags({
          AgentNotAllowed: () => Effect.succeed(undefined),
          // Created meanwhile by someone else (a by-hand `session create` with the agent's id).
          SessionExists: () => lifecycle.get(id)
        })
      )
    return created
  })

/**
 * A hook event, in the session's order: the session is created by its first event (if the agent
 * may create sessions), reopened by a resume, and completed by its end once that event is stored.
 * The capture boundary recorded with the session decides what of the payload is kept. `done` is
 * completed once the event is committed; for every event but the end, after this returns, so that
 * the session's next event does not wait for this one's commit.
 */
const receiveHook = (id: SessionId, hook: SessionHookEvent, done: HookTicket) =>
  Effect.gen(function* () {
    const writer = yield* CaptureWriter
    const events = yield* EventStore
    const actor = `agent:${hook.agent}`
    const reason = `${hook.hookEvent} hook`
    const answer = (outcome: HookEventReply["outcome"], late: boolean): HookEventReply => ({ outcome, sessionId: id, kind: hook.event.kind, late })
    const answerFor = (outcomes: ReadonlyArray<AppendOutcome>): HookEventReply => {
      const outcome = outcomes[0]
      return answer(outcome === undefined || outcome.duplicate ? "duplicate" : "stored", outcome?.late ?? false)
    }

    const lifecycle = yield* SessionLifecycle
    // A transition that lost a race, or no longer applies, leaves the session as it now is.
    const settle = (command: TransitionCommand, why: string) =>
      transition(id, command, { reason: why, actor }).pipe(
        Effect.map(({ session }) => session),
        Effect.catchTags({ InvalidTransition: () => lifecycle.get(id), VersionConflict: () => lifecycle.get(id) })
      )

    let session = yield* sessionOf(id, hook)
    if (session === undefined || !session.capabilities.capture) {
      yield* recordRefusal(hook, session === undefined ? "agent-not-allowed" : "capture-off")
      return yield* Deferred.succeed(done, answer("refused", false))
    }
    // A resume reopens the session, unless this very event was seen before (a replay).
    if (hook.kind === "session.start" && hook.source === "resume" && session.status !== "active" && !(yield* events.seen(hook.event.idempotencyId))) {
      if (session.status === "archived") session = yield* settle("restore", reason)
      session = yield* settle("reopen", `${reason} (resume)`)
    }
    const payload = boundedPayload(session.boundary, hook.event.payload)
    const ticket = yield* writer.enqueue([new CapturedEvent({ ...hook.event, payload }, true)])
    if (hook.kind !== "session.end") {
      return yield* Effect.forkDaemon(Deferred.complete(done, Effect.map(Deferred.await(ticket), answerFor)))
    }
    // The end completes the session after its own event is stored (else that event would be late).
    const outcomes = yield* Deferred.await(ticket)
    const stored = outcomes[0]
    if (stored !== undefined && !stored.duplicate && session.status === "active") {
      yield* settle("complete", reason)
    }
    yield* Deferred.succeed(done, answerFor(outcomes))
  })

/** The behaviour shared by every session actor. */
export const sessionBehavior = Behavior.make<SessionId, SessionMessage, SystemError, SessionActorServices>({
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
        case "Hook": {
          const done: HookTicket = yield* Deferred.make<HookEventReply, HookFailure>()
          const outcome = yield* Effect.either(receiveHook(id, message.hook, done))
          if (Either.isLeft(outcome)) {
            const error = outcome.left
            yield* Deferred.fail(done, error)
            yield* message.reply.succeed(done)
            if (error._tag === "SystemError") return yield* error
            return id
          }
          yield* message.reply.succeed(done)
          return id
        }
        case "Transition": {
          const outcome = yield* Effect.either(transition(id, message.command, message.request))
          if (Either.isRight(outcome)) {
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
