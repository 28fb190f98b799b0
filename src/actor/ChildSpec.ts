/**
 * Child specifications, as in OTP: what a supervisor starts, and how it treats each child.
 *
 * - `restart`: `permanent` children are always restarted; `transient` ones only after an
 *   abnormal exit (`Failure` or `Killed`); `temporary` ones never, whatever the strategy.
 * - `shutdown`: `brutal` kills at once; `timeout(ms)` lets the child finish its current message
 *   and run its terminate hook for that long, then kills it; `infinity` waits as long as needed
 *   (the default for supervisors, as in OTP).
 * - `kind`: `worker` or `supervisor`.
 * - `decider`: how this child's failures are handled (default: the supervisor's decider).
 *
 * @since 0.1.0
 */
import { Duration, type Runtime } from "effect"
import type { ActorRef } from "./ActorRef.js"
import type { Behavior } from "./Behavior.js"
import type { Decider } from "./Decider.js"
import type { DynamicSupervisor, DynamicSupervisorOptions } from "./DynamicSupervisor.js"
import { type AnyCell, Cell, type CellConfig, type CellOwner, type ChildCell } from "./internal/cell.js"
import * as internal from "./internal/supervisor.js"
import type { Supervisor, SupervisorOptions } from "./Supervisor.js"

/** When a child is restarted. */
export type RestartType = "permanent" | "transient" | "temporary"

/** How a child is stopped. */
export type Shutdown =
  | { readonly _tag: "Brutal" }
  | { readonly _tag: "Timeout"; readonly millis: number }
  | { readonly _tag: "Infinity" }

/** Kill at once: the terminate hook does not run (Scope finalizers still do). */
export const brutal: Shutdown = { _tag: "Brutal" }

/** Let the child end gracefully for at most `duration`, then kill it. */
export const timeout = (duration: Duration.DurationInput): Shutdown => ({
  _tag: "Timeout",
  millis: Math.max(0, Duration.toMillis(duration))
})

/** Wait for the graceful end however long it takes. */
export const infinity: Shutdown = { _tag: "Infinity" }

/** Restart type and shutdown of a child. */
export interface Supervision {
  readonly restart: RestartType
  readonly shutdown: Shutdown
}

/** Default mailbox capacity. */
export const defaultCapacity = 1024

/** Default number of kills after which a message is dead-lettered. */
export const defaultMaxMessageKills = 3

/** Default shutdown budget of a worker. */
export const defaultWorkerShutdown: Shutdown = timeout("5 seconds")

/** Options of a worker child. */
export interface WorkerOptions<E> {
  /** Default `permanent` (`transient` for templates). */
  readonly restart?: RestartType
  /** Default 5 seconds. */
  readonly shutdown?: Shutdown
  /** Default: the supervisor's decider. */
  readonly decider?: Decider<E>
  /** Mailbox capacity; senders wait when it is full. Default 1024. */
  readonly capacity?: number
  /** Kills after which the message at fault is dead-lettered; default 3 (1 = never retried). */
  readonly maxMessageKills?: number
}

/** Options of a child that is itself a supervisor, as seen by its parent. */
export interface AsChildOptions {
  /** Default `permanent`. */
  readonly restart?: RestartType
  /** Default `infinity`. */
  readonly shutdown?: Shutdown
  /** How the parent treats this supervisor's failures (escalations, intensity exceeded). */
  readonly decider?: Decider<unknown>
}

/**
 * What every child spec has; the specs below add a typed lookup. `R` is the services its
 * behaviours need. `instantiate` is declared as a method on purpose: method parameters are
 * bivariant, which lets one list hold specs with different `R` while `Context` still reads each
 * one's `R` back.
 */
export interface ChildSpec<R = never> {
  readonly _tag: "Worker" | "Supervisor" | "Dynamic"
  readonly id: string
  readonly kind: "worker" | "supervisor"
  readonly supervision: Supervision
  /** @internal */
  instantiate(owner: CellOwner, runtime: Runtime.Runtime<R>): AnyCell
}

/** A worker actor with messages of type `M`. */
export interface WorkerSpec<M, R = never> extends ChildSpec<R> {
  readonly _tag: "Worker"
  readonly kind: "worker"
  /** @internal */
  instantiate(owner: CellOwner, runtime: Runtime.Runtime<R>): ChildCell<M>
  /** @internal The address of the instance started under `owner`. */
  readonly lookup: (owner: object) => ActorRef<M> | undefined
}

/** A nested supervisor with a fixed list of children. */
export interface SupervisorSpec<R = never> extends ChildSpec<R> {
  readonly _tag: "Supervisor"
  readonly kind: "supervisor"
  /** @internal */
  readonly lookup: (owner: object) => Supervisor | undefined
}

/** A nested dynamic supervisor whose children have messages of type `M`. */
export interface DynamicSpec<M, R = never> extends ChildSpec<R> {
  readonly _tag: "Dynamic"
  readonly kind: "supervisor"
  /** @internal */
  readonly lookup: (owner: object) => DynamicSupervisor<M> | undefined
}

/** Any child spec, whatever the services it needs. */
export type Any = ChildSpec<never>

/** The services needed by a child spec (or a union of them). */
export type Context<Spec> = Spec extends ChildSpec<infer R> ? R : never

/** How to build the children of a dynamic supervisor: one behaviour, many actors. */
export interface Template<M, R = never> {
  /** @internal */
  readonly instantiate: (id: string, owner: CellOwner, runtime: Runtime.Runtime<R>) => ChildCell<M>
}

const workerConfig = <E>(options: WorkerOptions<E> | undefined, restart: RestartType): CellConfig<E> => ({
  kind: "worker",
  decider: options?.decider,
  capacity: Math.max(1, options?.capacity ?? defaultCapacity),
  maxMessageKills: Math.max(1, options?.maxMessageKills ?? defaultMaxMessageKills),
  supervision: { restart: options?.restart ?? restart, shutdown: options?.shutdown ?? defaultWorkerShutdown },
  userMessages: true
})

/** A worker child running `behavior`. */
export const worker = <S, M, E = never, R = never>(
  id: string,
  behavior: Behavior<S, M, E, R>,
  options?: WorkerOptions<E>
): WorkerSpec<M, R> => {
  const config = workerConfig(options, "permanent")
  const instances = new WeakMap<object, ActorRef<M>>()
  return {
    _tag: "Worker",
    id,
    kind: "worker",
    supervision: config.supervision,
    instantiate: (owner, runtime) => {
      const cell = new Cell(id, behavior, config, runtime, owner, undefined)
      instances.set(owner, cell.ref)
      return cell
    },
    lookup: (owner) => instances.get(owner)
  }
}

/**
 * The template of a dynamic supervisor's children. Their restart type defaults to `transient`:
 * children of one template are usually units of work that end normally (sessions).
 */
export const template = <S, M, E = never, R = never>(
  behavior: Behavior<S, M, E, R>,
  options?: WorkerOptions<E>
): Template<M, R> => {
  const config = workerConfig(options, "transient")
  return {
    instantiate: (id, owner, runtime) => new Cell(id, behavior, config, runtime, owner, undefined)
  }
}

/** How a supervisor is treated as a child: permanent and waited for, unless told otherwise. */
const asChildSupervision = (asChild: AsChildOptions | undefined): Supervision => ({
  restart: asChild?.restart ?? "permanent",
  shutdown: asChild?.shutdown ?? infinity
})

/** A nested supervisor. */
export const supervisor = <const Children extends ReadonlyArray<Any>>(
  id: string,
  options: SupervisorOptions<Children>,
  asChild?: AsChildOptions
): SupervisorSpec<Context<Children[number]>> => {
  const instances = new WeakMap<object, Supervisor>()
  const supervision = asChildSupervision(asChild)
  return {
    _tag: "Supervisor",
    id,
    kind: "supervisor",
    supervision,
    instantiate: (owner, runtime) => {
      const instance = internal.makeStatic(id, options, owner, runtime, supervision, asChild?.decider)
      instances.set(owner, instance.handle)
      return instance.cell
    },
    lookup: (owner) => instances.get(owner)
  }
}

/** A nested dynamic supervisor. */
export const dynamic = <M, R = never>(
  id: string,
  options: DynamicSupervisorOptions<M, R>,
  asChild?: AsChildOptions
): DynamicSpec<M, R> => {
  const instances = new WeakMap<object, DynamicSupervisor<M>>()
  const supervision = asChildSupervision(asChild)
  return {
    _tag: "Dynamic",
    id,
    kind: "supervisor",
    supervision,
    instantiate: (owner, runtime) => {
      const instance = internal.makeDynamic(id, options, owner, runtime, supervision, asChild?.decider)
      instances.set(owner, instance.handle)
      return instance.cell
    },
    lookup: (owner) => instances.get(owner)
  }
}
