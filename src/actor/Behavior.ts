/**
 * A behaviour is what an actor does: `init` builds its state (resources acquired in init's Scope
 * are released on every exit path), `receive` handles one message at a time and returns the next
 * state, and `terminate` runs with the reason when the incarnation ends gracefully.
 *
 * The functions receive the actor's context, so one behaviour value can serve many actors (the
 * children of a dynamic supervisor share it): nothing per actor is allocated for it.
 *
 * @since 0.1.0
 */
import type { Effect, Scope } from "effect"
import type { ActorRef } from "./ActorRef.js"
import type { ExitReason } from "./ExitReason.js"

/** What an actor knows about itself while it runs. */
export interface ActorContext<M> {
  /** The actor's id, e.g. the key of a registry entity. */
  readonly id: string
  /** The actor's path from the root of its tree. */
  readonly path: string
  /** The actor's own address. */
  readonly self: ActorRef<M>
  /**
   * Stop after the current message: `terminate` runs with `Normal`, and the supervisor treats it
   * as a normal exit (only a `permanent` child is restarted).
   */
  readonly stop: Effect.Effect<void>
}

/** What an actor does. */
export interface Behavior<S, M, E = never, R = never> {
  /**
   * Builds the initial state. Runs on every start and restart (fresh state). Resources acquired
   * in its Scope live as long as this incarnation and are released on every exit path, including
   * kills. A failure goes to the decider (phase "init").
   */
  readonly init: (context: ActorContext<M>) => Effect.Effect<S, E, R | Scope.Scope>
  /** Handles one message and returns the next state. A failure goes to the decider. */
  readonly receive: (state: S, message: M, context: ActorContext<M>) => Effect.Effect<S, E, R>
  /**
   * Runs when the incarnation ends on any path but a kill (a kill is what happens when this hook
   * itself overruns the shutdown budget). Its own failures are logged, never propagated.
   */
  readonly terminate?: (state: S, reason: ExitReason, context: ActorContext<M>) => Effect.Effect<void, never, R>
}

/** Identity function that helps type inference when writing a behaviour inline. */
export const make = <S, M, E = never, R = never>(behavior: Behavior<S, M, E, R>): Behavior<S, M, E, R> => behavior

/** Options of {@link persistent}. */
export interface PersistentOptions<S, M, E, R> {
  /** Restores the state of actor `id` from wherever the owner keeps it (or builds a fresh one). */
  readonly load: (id: string, context: ActorContext<M>) => Effect.Effect<S, E, R | Scope.Scope>
  /** Saves the state of actor `id` when its incarnation ends gracefully (passivation included). */
  readonly save: (id: string, state: S, reason: ExitReason) => Effect.Effect<void, never, R>
  readonly receive: (state: S, message: M, context: ActorContext<M>) => Effect.Effect<S, E, R>
}

/**
 * A behaviour whose state outlives its incarnations through the owner's callbacks: `load` on
 * every start (including reactivation after passivation), `save` on every graceful end. This is
 * the shape registry entities usually have.
 */
export const persistent = <S, M, E = never, R = never>(options: PersistentOptions<S, M, E, R>): Behavior<S, M, E, R> => ({
  init: (context) => options.load(context.id, context),
  receive: options.receive,
  terminate: (state, reason, context) => options.save(context.id, state, reason)
})
