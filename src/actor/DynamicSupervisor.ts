/**
 * A dynamic supervisor: many children of one template, started and stopped at run time, as OTP's
 * `simple_one_for_one` / `DynamicSupervisor`. Restarts are one-for-one; a child stopped for good
 * is forgotten; when the supervisor itself restarts or stops, all its children stop (in reverse
 * start order, `shutdownConcurrency` at a time, since they are independent).
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option, type Scope } from "effect"
import type { ActorStopped, ChildAlreadyStarted, StartFailed } from "./ActorError.js"
import type { ActorRef } from "./ActorRef.js"
import type { Backoff } from "./Backoff.js"
import { infinity, type Template } from "./ChildSpec.js"
import type { Decider } from "./Decider.js"
import { cellRuntime } from "./internal/cell.js"
import * as internal from "./internal/supervisor.js"

/** Brand of dynamic supervisor handles. */
export const TypeId = internal.DynamicSupervisorTypeId

/** A running dynamic supervisor whose children accept messages of type `M`. */
export type DynamicSupervisor<M> = internal.DynamicSupervisorHandle<M>

/** Options of a dynamic supervisor. */
export interface DynamicSupervisorOptions<M, R = never> {
  /** How each child is built; see `ChildSpec.template`. */
  readonly template: Template<M, R>
  /** Restarts allowed within `period`; default 3. */
  readonly intensity?: number
  /** Default 5 seconds. */
  readonly period?: Duration.DurationInput
  /** Delay restarts with exponential backoff; default: restart at once. */
  readonly backoff?: Backoff
  /** Decider of the children when the template has none; default: always restart. */
  readonly decider?: Decider<unknown>
  /** Children stopped concurrently when the supervisor stops; default 64. */
  readonly shutdownConcurrency?: number
}

/** Starts a root dynamic supervisor in the current Scope (closing it stops all children). */
export const start = <M, R = never>(
  id: string,
  options: DynamicSupervisorOptions<M, R>
): Effect.Effect<DynamicSupervisor<M>, StartFailed, R | Scope.Scope> =>
  // The runtime is captured outside of this operation's span: actors outlive it.
  Effect.flatMap(Effect.runtime<R>(), (captured) => Effect.gen(function*() {
    const runtime = cellRuntime(captured)
    const owner = yield* internal.rootOwner
    const { cell, handle } = internal.makeDynamic(id, options, owner, runtime, { restart: "temporary", shutdown: infinity }, undefined)
    yield* Effect.addFinalizer(() => owner.stopChild(cell))
    yield* Effect.mapError(cell.activate(), (failure) => internal.toStartFailed(cell.path, failure))
    return handle
  }).pipe(Effect.withSpan("DynamicSupervisor.start", { attributes: { id } })))

/**
 * Starts child `id` and waits for its init. Fails with `StartFailed` if init fails (the child is
 * not kept, and nothing is restarted), `ChildAlreadyStarted` if `id` is taken, `ActorStopped` if
 * the supervisor has stopped.
 */
export const startChild = <M>(
  supervisor: DynamicSupervisor<M>,
  id: string
): Effect.Effect<ActorRef<M>, StartFailed | ChildAlreadyStarted | ActorStopped> =>
  supervisor.core.startChild(id).pipe(Effect.withSpan("DynamicSupervisor.startChild", { attributes: { id } }))

/** Stops child `id` for good within its shutdown budget. False if there is no such child. */
export const terminateChild = <M>(supervisor: DynamicSupervisor<M>, id: string): Effect.Effect<boolean, ActorStopped> =>
  supervisor.core.terminateChild(id).pipe(Effect.withSpan("DynamicSupervisor.terminateChild", { attributes: { id } }))

/** The address of child `id`, if it exists. */
export const lookup = <M>(supervisor: DynamicSupervisor<M>, id: string): Effect.Effect<Option.Option<ActorRef<M>>> =>
  Effect.sync(() => Option.map(Option.fromNullable(supervisor.core.children.get(id)), (cell) => cell.ref))

/** Number of children (starting, running or restarting). */
export const size = <M>(supervisor: DynamicSupervisor<M>): Effect.Effect<number> =>
  Effect.sync(() => supervisor.core.children.size)
