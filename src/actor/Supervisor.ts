/**
 * Supervisors with a fixed list of children, as OTP's `supervisor`: children start in order and
 * stop in reverse order; a child's end is handled per its restart type, its decider's directive
 * and the strategy:
 *
 * - `one_for_one`: only the failed child restarts.
 * - `one_for_all`: all children stop (in reverse order) and restart (in order).
 * - `rest_for_one`: the failed child and those started after it stop and restart.
 *
 * More than `intensity` restarts within `period` make the supervisor stop its children (in reverse
 * order) and fail with `RestartIntensityExceeded`, which its parent's decider receives once.
 * Restarts can be delayed with exponential backoff (`backoff`).
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, type Scope } from "effect"
import type { StartFailed } from "./ActorError.js"
import { NoSuchChild } from "./ActorError.js"
import type { ActorRef } from "./ActorRef.js"
import type { Backoff } from "./Backoff.js"
import type * as ChildSpec from "./ChildSpec.js"
import type { DynamicSpec, SupervisorSpec, WorkerSpec } from "./ChildSpec.js"
import { infinity } from "./ChildSpec.js"
import type { Decider } from "./Decider.js"
import type { DynamicSupervisor } from "./DynamicSupervisor.js"
import type { ExitReason } from "./ExitReason.js"
import { cellRuntime } from "./internal/cell.js"
import * as internal from "./internal/supervisor.js"
import * as Metrics from "./Metrics.js"
import type { ActorSnapshot, SnapshotOptions } from "./Snapshot.js"

/** Brand of supervisor handles. */
export const TypeId = internal.SupervisorTypeId

/** Which siblings restart with a failed child. */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one"

/** A running supervisor. */
export type Supervisor = internal.SupervisorHandle

/** Options of a supervisor. */
export interface SupervisorOptions<Children extends ReadonlyArray<ChildSpec.Any> = ReadonlyArray<ChildSpec.Any>> {
  readonly strategy: Strategy
  /** Started in this order, stopped in the reverse order. Ids must be unique. */
  readonly children: Children
  /** Restarts allowed within `period` before the supervisor gives up; default 3. */
  readonly intensity?: number
  /** Default 5 seconds. */
  readonly period?: Duration.DurationInput
  /** Delay restarts with exponential backoff; default: restart at once. */
  readonly backoff?: Backoff
  /** Decider of the children whose spec has none; default: always restart. */
  readonly decider?: Decider<unknown>
}

/** Options of a root supervisor. */
export interface RootOptions {
  /** How long the scope's finalizer waits for the tree to stop; default `infinity`. */
  readonly shutdown?: ChildSpec.Shutdown
}

/**
 * Starts a root supervisor in the current Scope: all children are started in order before this
 * returns, and closing the Scope stops the whole tree (in reverse order, with each child's
 * shutdown budget). Fails with `StartFailed` if a child's init fails; the children started before
 * it are stopped in reverse order.
 */
export const start = <const Children extends ReadonlyArray<ChildSpec.Any>>(
  id: string,
  options: SupervisorOptions<Children>,
  root?: RootOptions
): Effect.Effect<Supervisor, StartFailed, ChildSpec.Context<Children[number]> | Scope.Scope> =>
  // The runtime is captured outside of this operation's span: actors outlive it.
  Effect.flatMap(Effect.runtime<ChildSpec.Context<Children[number]>>(), (captured) => Effect.gen(function*() {
    const runtime = cellRuntime(captured)
    const owner = yield* internal.rootOwner
    const supervision = { restart: "temporary" as const, shutdown: root?.shutdown ?? infinity }
    const { cell, handle } = internal.makeStatic(id, options, owner, runtime, supervision, undefined)
    yield* Effect.addFinalizer(() => owner.stopChild(cell))
    yield* Effect.mapError(cell.activate(), (failure) => internal.toStartFailed(cell.path, failure))
    return handle
  }).pipe(Effect.withSpan("Supervisor.start", { attributes: { id, strategy: options.strategy } })))

/** The address of a worker child of `supervisor`, from its spec. Stable across restarts. */
export const lookup = <M, R>(supervisor: Supervisor, spec: WorkerSpec<M, R>): Effect.Effect<ActorRef<M>, NoSuchChild> =>
  Effect.suspend(() => {
    const ref = spec.lookup(supervisor.core)
    return ref === undefined
      ? Effect.fail(new NoSuchChild({ supervisor: supervisor.path, child: spec.id }))
      : Effect.succeed(ref)
  })

/** A nested supervisor of `supervisor`, from its spec. */
export const lookupSupervisor = <R>(supervisor: Supervisor, spec: SupervisorSpec<R>): Effect.Effect<Supervisor, NoSuchChild> =>
  Effect.suspend(() => {
    const child = spec.lookup(supervisor.core)
    return child === undefined
      ? Effect.fail(new NoSuchChild({ supervisor: supervisor.path, child: spec.id }))
      : Effect.succeed(child)
  })

/** A nested dynamic supervisor of `supervisor`, from its spec. */
export const lookupDynamic = <M, R>(
  supervisor: Supervisor,
  spec: DynamicSpec<M, R>
): Effect.Effect<DynamicSupervisor<M>, NoSuchChild> =>
  Effect.suspend(() => {
    const child = spec.lookup(supervisor.core)
    return child === undefined
      ? Effect.fail(new NoSuchChild({ supervisor: supervisor.path, child: spec.id }))
      : Effect.succeed(child)
  })

/** A snapshot of the tree under `supervisor`. Also refreshes the mailbox-depth gauge. */
export const snapshot = (
  supervisor: { readonly cell: internal.SupervisorHandle["cell"] },
  options?: SnapshotOptions
): Effect.Effect<ActorSnapshot> =>
  Effect.zipLeft(
    Effect.map(Clock.currentTimeMillis, (now) => supervisor.cell.snapshot(now, options ?? {})),
    Metrics.updateMailboxDepth
  ).pipe(Effect.withSpan("Supervisor.snapshot"))

/** Waits until the supervisor stops for good (e.g. after escalating from the root) and returns why. */
export const awaitExit = (supervisor: { readonly cell: internal.SupervisorHandle["cell"] }): Effect.Effect<ExitReason> =>
  supervisor.cell.awaitExit

/** Stops the supervisor and its tree for good, as closing its Scope would. */
export const stop = (supervisor: { readonly cell: internal.SupervisorHandle["cell"] }): Effect.Effect<void> =>
  supervisor.cell.requestStop().pipe(Effect.withSpan("Supervisor.stop"))
