/**
 * A registry addresses the children of a dynamic supervisor by key, starting them on demand and
 * passivating them when idle, as Akka's sharded entities (on one node):
 *
 * - The first message to a key starts its actor from the supervisor's template; the message waits
 *   in the mailbox while init runs. The template's init is the owner's callback that restores the
 *   persisted state (see `Behavior.persistent`).
 * - An actor idle for `idleTimeout` is stopped with reason `Idle` (its terminate hook saves the
 *   state) and its memory is freed. The next message starts it again, after the previous
 *   incarnation has finished saving.
 *
 * Idle actors are found by one sweep over the registry every `sweepInterval`, not by a timer per
 * actor: an idle actor costs no fiber and no timer.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Schedule, type Scope } from "effect"
import type { ActorStopped, AskError, MailboxFull } from "./ActorError.js"
import { type ActorRef, type AskOptions, type Control, TypeId } from "./ActorRef.js"
import type { DynamicSupervisor } from "./DynamicSupervisor.js"
import * as ExitReason from "./ExitReason.js"
import { ask as askVia } from "./internal/cell.js"
import type { Rejectable } from "./internal/mailbox.js"
import type { Timers } from "./internal/timers.js"
import type { Reply } from "./Reply.js"

/** Options of a registry. */
export interface RegistryOptions {
  /** An actor that handled no message for this long is passivated. */
  readonly idleTimeout: Duration.DurationInput
  /** How often idle actors are looked for; default a quarter of `idleTimeout`. */
  readonly sweepInterval?: Duration.DurationInput
}

/** Actors of one template addressed by key. */
export interface Registry<M> {
  readonly supervisor: DynamicSupervisor<M>
  /** Sends to the actor of `key`, starting it if needed. */
  readonly tell: (key: string, message: M) => Effect.Effect<void, ActorStopped>
  /** Request/reply with the actor of `key`, starting it if needed. */
  readonly ask: <A, E = never>(
    key: string,
    make: (reply: Reply<A, E>) => M,
    options?: AskOptions
  ) => Effect.Effect<A, E | AskError>
  /** An address for `key` that survives passivation: each message goes through the registry. */
  readonly ref: (key: string) => ActorRef<M>
  /** Number of live (not passivated) actors. */
  readonly size: Effect.Effect<number>
  /** Passivates the actors idle for `idleTimeout` now, instead of at the next sweep. */
  readonly passivateIdle: Effect.Effect<number>
}

/**
 * Builds a registry over `supervisor`. The passivation sweep runs in the current Scope.
 */
export const make = <M>(
  supervisor: DynamicSupervisor<M>,
  options: RegistryOptions
): Effect.Effect<Registry<M>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const core = supervisor.core
    const idleMillis = Math.max(1, Duration.toMillis(options.idleTimeout))
    const sweepMillis = options.sweepInterval === undefined
      ? Math.max(1, Math.floor(idleMillis / 4))
      : Math.max(1, Duration.toMillis(options.sweepInterval))
    const passivateIdle = core.passivateIdle(idleMillis)
    yield* Effect.forkScoped(Effect.repeat(passivateIdle, Schedule.spaced(sweepMillis)))

    const deliver = (key: string, message: M, reply: Rejectable | undefined): Effect.Effect<void, ActorStopped> => {
      const once = Effect.flatMap(core.ensure(key), (cell) => cell.offer(message, reply))
      // The actor may have stopped for good between lookup and delivery: the retry starts a new one.
      return Effect.catchTag(once, "ActorStopped", (stopped) => core.accepting() ? once : Effect.fail(stopped))
    }

    const tryDeliver = (key: string, message: M): Effect.Effect<void, ActorStopped | MailboxFull> =>
      Effect.flatMap(core.ensure(key), (cell) => cell.tryOffer(message))

    const ref = (key: string): ActorRef<M> => new EntityRef(key, `${core.path}/${key}`, core.timers, deliver, tryDeliver, {
      stop: Effect.asVoid(Effect.catchTag(core.terminateChild(key), "ActorStopped", () => Effect.succeed(false))),
      kill: Effect.suspend(() => core.children.get(key)?.kill() ?? Effect.void)
    }, Effect.suspend(() => core.children.get(key)?.awaitExit ?? Effect.succeed(ExitReason.Idle)))

    const registry: Registry<M> = {
      supervisor,
      tell: (key, message) => deliver(key, message, undefined),
      ask: (key, make, askOptions) =>
        askVia({ path: `${core.path}/${key}`, timers: core.timers, offer: (message, reply) => deliver(key, message, reply) }, make, askOptions),
      ref,
      size: Effect.sync(() => core.children.size),
      passivateIdle
    }
    return registry
  }).pipe(Effect.withSpan("Registry.make"))

class EntityRef<M> implements ActorRef<M> {
  readonly [TypeId]: TypeId = TypeId
  constructor(
    readonly id: string,
    readonly path: string,
    private readonly timers: Timers,
    private readonly deliver: (key: string, message: M, reply: Rejectable | undefined) => Effect.Effect<void, ActorStopped>,
    private readonly tryDeliver: (key: string, message: M) => Effect.Effect<void, ActorStopped | MailboxFull>,
    readonly control: Control,
    /** Waits for the current activation to end; `Idle` at once when none is active. */
    readonly awaitExit: Effect.Effect<ExitReason.ExitReason>
  ) {}
  tell(message: M): Effect.Effect<void, ActorStopped> {
    return this.deliver(this.id, message, undefined)
  }
  tryTell(message: M): Effect.Effect<void, ActorStopped | MailboxFull> {
    return this.tryDeliver(this.id, message)
  }
  ask<A, E = never>(make: (reply: Reply<A, E>) => M, options?: AskOptions): Effect.Effect<A, E | AskError> {
    return askVia({ path: this.path, timers: this.timers, offer: (message, reply) => this.deliver(this.id, message, reply) }, make, options)
  }
}
