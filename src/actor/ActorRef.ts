/**
 * The address of an actor. It stays valid across restarts: the mailbox belongs to the address,
 * not to an incarnation, so messages sent while the actor restarts are kept, in order.
 *
 * @since 0.1.0
 */
import type { Duration, Effect } from "effect"
import type { ActorStopped, AskError, MailboxFull } from "./ActorError.js"
import type { ExitReason } from "./ExitReason.js"
import type { Reply } from "./Reply.js"

/** Brand of actor references. */
export const TypeId: unique symbol = Symbol.for("myco/actor/ActorRef")

/** Brand of actor references. */
export type TypeId = typeof TypeId

/** Options of `ask`. */
export interface AskOptions {
  /** How long to wait for the reply, including time spent waiting for mailbox space; default 5 s. */
  readonly timeout?: Duration.DurationInput
}

/** The address of an actor that accepts messages of type `M`. */
export interface ActorRef<M> {
  readonly [TypeId]: TypeId
  /** The actor's id, unique among its siblings. */
  readonly id: string
  /** The actor's path from the root of its tree, e.g. "root/sessions/abc". */
  readonly path: string
  /**
   * Fire and forget. Waits while the mailbox is full (backpressure); fails with `ActorStopped` if
   * the actor has stopped for good.
   */
  readonly tell: (message: M) => Effect.Effect<void, ActorStopped>
  /** Like `tell` but fails with `MailboxFull` instead of waiting. */
  readonly tryTell: (message: M) => Effect.Effect<void, ActorStopped | MailboxFull>
  /**
   * Request/reply: builds the message around a fresh `Reply`, sends it and waits for the reply.
   * Fails with `AskTimeout` after the timeout, `ActorStopped` if the actor stopped before handling
   * it, and `MessageDeadLettered` if the message was dead-lettered.
   */
  readonly ask: <A, E = never>(
    make: (reply: Reply<A, E>) => M,
    options?: AskOptions
  ) => Effect.Effect<A, E | AskError>
  /**
   * Waits until the actor stops for good (restarts are not an exit) and returns why. Returns at
   * once if it already has.
   */
  readonly awaitExit: Effect.Effect<ExitReason>
  /** @internal Used by `Actor.stop` and `Actor.kill`. */
  readonly control: Control
}

/** @internal How `Actor.stop` and `Actor.kill` reach an actor through its address. */
export interface Control {
  readonly stop: Effect.Effect<void>
  readonly kill: Effect.Effect<void>
}

/** True if `u` is an actor reference. */
export const isActorRef = (u: unknown): u is ActorRef<unknown> =>
  typeof u === "object" && u !== null && TypeId in u
