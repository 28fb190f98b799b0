/**
 * The live sessions: a dynamic supervisor with one session actor per live session, addressed by
 * session id through a registry that passivates idle actors, and the routing of requests to them.
 * A hook event goes to its session's actor (which drives the lifecycle in the event's order); one
 * that names no session is stored apart, as unattributed. Kernel delivery failures become failure
 * classes here: a stopped or overloaded actor is transient, a message that kept killing its actor
 * (dead-lettered) is the agent's fault.
 */
import { ChildSpec, type DynamicSupervisor, Registry, Supervisor } from "../actor/index.js"
import { Deferred, type Duration, Effect, Exit, Scope } from "effect"
import { boundedPayload } from "../lean/Boundary.js"
import { prepareHookEvent } from "../capture/HookIntake.js"
import type { SessionNotFound, VersionConflict } from "../domain/Errors.js"
import { type AppendOutcome, type CapturedEvent, EventKind, UnattributedEvent } from "../domain/Event.js"
import { AgentError, SystemError, TransientError } from "../domain/Failure.js"
import type { SessionId } from "../domain/Ids.js"
import type { InvalidTransition, TransitionCommand } from "../domain/Session.js"
import type { HookEvent, HookEventReply, ShuttingDown, Transitioned } from "../protocol/Protocol.js"
import { EventStore } from "../store/EventStore.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import type { CaptureBoundary } from "../domain/Session.js"
import { mycoDecider } from "./Decider.js"
import type { TransitionRequest } from "./Lifecycle.js"
import { type CaptureTicket, type HookTicket, sessionBehavior, type SessionActorServices, type SessionMessage } from "./SessionActor.js"

/** Settings of the live sessions. */
export interface SessionsOptions {
  /** How long an idle session actor stays in memory. */
  readonly passivateAfter: Duration.DurationInput
  /** The boundary applied to events that name no session (the vault's configured one). */
  readonly unattributedBoundary: CaptureBoundary
}

/** How long a request waits for its session actor. */
const ASK_TIMEOUT = { timeout: "30 seconds" } as const

/** Kernel delivery failures, as failure classes. */
const delivery = (operation: string) => ({
  AskTimeout: (e: { readonly message: string }) => Effect.fail(new TransientError({ operation, message: e.message, code: "AskTimeout" })),
  ActorStopped: (e: { readonly message: string }) => Effect.fail(new TransientError({ operation, message: e.message, code: "ActorStopped" })),
  MessageDeadLettered: (e: { readonly message: string }) => Effect.fail(new AgentError({ actor: operation, message: e.message }))
})

type ActorServices = SessionActorServices

/** The live sessions of a supervisor. */
export interface Sessions {
  /** The child spec of the `sessions` dynamic supervisor, for the tree. */
  readonly spec: ChildSpec.DynamicSpec<SessionMessage, ActorServices>
  /** Binds the tree once it is started: the registry is (re)built on the current supervisor. */
  readonly bind: (root: Supervisor.Supervisor) => Effect.Effect<void>
  /** Captures, grouped by session in order of first appearance; each session keeps its order. */
  readonly capture: (events: ReadonlyArray<CapturedEvent>) => Effect.Effect<ReadonlyArray<AppendOutcome>, SessionNotFound | StoreFailure | ShuttingDown | AgentError>
  readonly transition: (
    id: SessionId,
    command: TransitionCommand,
    request: TransitionRequest
  ) => Effect.Effect<Transitioned, InvalidTransition | VersionConflict | SessionNotFound | StoreFailure | AgentError>
  /**
   * Hands a hook event to its session actor (or stores it apart when it names no session) and
   * returns the wait for its commit: submitting in order keeps each session's order, without
   * waiting for one commit before submitting the next.
   */
  readonly submitHook: (
    request: HookEvent
  ) => Effect.Effect<Effect.Effect<HookEventReply, SessionNotFound | StoreFailure | ShuttingDown | AgentError>, StoreFailure | ShuttingDown | AgentError>
}

/** Makes the live sessions; the registry lives as long as the scope. */
export const makeSessions = (options: SessionsOptions): Effect.Effect<Sessions, never, EventStore | Scope.Scope> =>
  Effect.gen(function* () {
    const events = yield* EventStore
    const rootRef = yield* Deferred.make<Supervisor.Supervisor>()
    const spec = ChildSpec.dynamic<SessionMessage, ActorServices>("sessions", {
      template: ChildSpec.template(sessionBehavior, { decider: mycoDecider, shutdown: ChildSpec.timeout("5 seconds") }),
      decider: mycoDecider,
      intensity: 10,
      period: "10 seconds"
    })
    // The registry of the current incarnation of the sessions supervisor (a restart makes a new one).
    let cached:
      | { readonly handle: DynamicSupervisor.DynamicSupervisor<SessionMessage>; readonly registry: Registry.Registry<SessionMessage>; readonly scope: Scope.CloseableScope }
      | undefined
    const registry = Effect.gen(function* () {
      const root = yield* Deferred.await(rootRef)
      const handle = yield* Supervisor.lookupDynamic(root, spec).pipe(
        Effect.mapError(() => new SystemError({ operation: "sessions.lookup", message: "the sessions supervisor is not running" }))
      )
      if (cached !== undefined && cached.handle === handle) return cached.registry
      if (cached !== undefined) yield* Scope.close(cached.scope, Exit.void)
      const scope = yield* Scope.make()
      const made = yield* Registry.make(handle, { idleTimeout: options.passivateAfter }).pipe(Scope.extend(scope))
      cached = { handle, registry: made, scope }
      return made
    })
    yield* Effect.addFinalizer(() => (cached === undefined ? Effect.void : Scope.close(cached.scope, Exit.void)))

    const askCapture = (id: SessionId, batch: ReadonlyArray<CapturedEvent>) =>
      Effect.flatMap(registry, (r) => r.ask<CaptureTicket, ShuttingDown>(id, (reply) => ({ _tag: "Capture", events: batch, reply }), ASK_TIMEOUT))

    const capture = (batch: ReadonlyArray<CapturedEvent>) =>
      Effect.gen(function* () {
        const bySession = new Map<SessionId, { readonly indexes: Array<number>; readonly events: Array<CapturedEvent> }>()
        batch.forEach((event, index) => {
          const group = bySession.get(event.sessionId)
          if (group === undefined) bySession.set(event.sessionId, { indexes: [index], events: [event] })
          else {
            group.indexes.push(index)
            group.events.push(event)
          }
        })
        const groups = [...bySession.entries()]
        const tickets = yield* Effect.forEach(groups, ([sessionId, group]) => askCapture(sessionId, group.events))
        const outcomes: Array<AppendOutcome | undefined> = new Array(batch.length)
        for (const [g, ticket] of tickets.entries()) {
          const done = yield* Deferred.await(ticket)
          groups[g]?.[1].indexes.forEach((index, k) => (outcomes[index] = done[k]))
        }
        return outcomes.filter((o): o is AppendOutcome => o !== undefined)
      }).pipe(Effect.catchTags(delivery("capture")))

    const transition = (id: SessionId, command: TransitionCommand, request: TransitionRequest) =>
      Effect.flatMap(registry, (r) =>
        r.ask<Transitioned, InvalidTransition | VersionConflict | SessionNotFound | StoreFailure>(
          id,
          (reply) => ({ _tag: "Transition", command, request, reply }),
          ASK_TIMEOUT
        )
      ).pipe(Effect.catchTags(delivery("session.transition")))

    const submitHook = (request: HookEvent) =>
      Effect.gen(function* () {
        const prepared = prepareHookEvent(request)
        if (prepared.kind === "unknown" || prepared._tag === "Unattributed") {
          yield* Effect.logWarning(`hook ${request.agent} ${request.event}: ${prepared.warnings.join("; ") || "unattributed"}`)
        }
        if (prepared._tag === "Session") {
          const r = yield* registry
          const ticket = yield* r.ask<HookTicket, ShuttingDown>(prepared.event.sessionId, (reply) => ({ _tag: "Hook", hook: prepared, reply }), ASK_TIMEOUT)
          return Deferred.await(ticket)
        }
        const stored = yield* events.appendUnattributed(
          new UnattributedEvent({ ...prepared.event, payload: boundedPayload(options.unattributedBoundary, prepared.event.payload) }, true)
        )
        const reply: HookEventReply = {
          outcome: stored.duplicate ? "duplicate" : "unattributed",
          sessionId: null,
          kind: EventKind.make(prepared.kind),
          late: false
        }
        return Effect.succeed(reply)
      }).pipe(Effect.catchTags(delivery("hook")))

    return {
      spec,
      bind: (root) => Deferred.succeed(rootRef, root).pipe(Effect.asVoid),
      capture,
      transition,
      submitHook
    }
  })
