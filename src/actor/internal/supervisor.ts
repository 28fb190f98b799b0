/**
 * @internal
 * The supervisor: an actor whose messages are control events (a child ended, adopt a child, stop
 * a child, a backoff delay is over) handled one at a time, like OTP's supervisor gen_server.
 * Children report the end of an incarnation by posting an event; the supervisor decides, per
 * restart type, directive and strategy, and restarts, retires or escalates.
 *
 * Its children are stopped in a finalizer of its own incarnation's Scope, so that they are
 * stopped on every exit path of the supervisor, kills included (then brutally, as OTP's links).
 */
import { Duration, Effect, Exit, Fiber, FiberMap, Metric, Random, type Runtime, type Scope } from "effect"
import * as ActorFailure from "../ActorFailure.js"
import { ActorStopped, ChildAlreadyStarted, RestartIntensityExceeded, StartFailed } from "../ActorError.js"
import type { ActorRef } from "../ActorRef.js"
import * as Backoff from "../Backoff.js"
import type { Behavior } from "../Behavior.js"
import { brutal, type Supervision } from "../ChildSpec.js"
import * as Decider from "../Decider.js"
import * as DeadLetters from "../DeadLetters.js"
import type { DeadLetterSink } from "../DeadLetters.js"
import * as Directive from "../Directive.js"
import type { DynamicSupervisorOptions } from "../DynamicSupervisor.js"
import * as ExitReason from "../ExitReason.js"
import * as Metrics from "../Metrics.js"
import * as Reply from "../Reply.js"
import type { ActorSnapshot, SnapshotOptions } from "../Snapshot.js"
import type { Strategy, SupervisorOptions } from "../Supervisor.js"
import type { Rejectable } from "./mailbox.js"
import { Timers } from "./timers.js"
import { type AnyCell, Cell, type CellConfig, type CellExtension, type CellOwner, type ChildCell, type ChildEnded, InitFailure } from "./cell.js"

/** Brand of supervisor handles. */
export const SupervisorTypeId: unique symbol = Symbol.for("myco/actor/Supervisor")

/** Brand of dynamic supervisor handles. */
export const DynamicSupervisorTypeId: unique symbol = Symbol.for("myco/actor/DynamicSupervisor")

/** Supervisor settings with defaults applied. */
export interface Settings {
  readonly strategy: Strategy | "dynamic"
  readonly intensity: number
  readonly periodMillis: number
  readonly backoff: Backoff.Backoff | undefined
  readonly decider: Decider.Decider<unknown>
  readonly shutdownConcurrency: number
}

/** Default restart intensity: restarts allowed within the period. */
export const defaultIntensity = 3

/** Default restart period. */
export const defaultPeriod: Duration.DurationInput = "5 seconds"

/** Default number of dynamic children stopped concurrently on shutdown. */
export const defaultShutdownConcurrency = 64

type Message<M> =
  | { readonly _tag: "ChildEnded"; readonly cell: AnyCell; readonly ended: ChildEnded }
  | { readonly _tag: "Adopt"; readonly cell: ChildCell<M>; readonly reply: Reply.Reply<ActorRef<M>, StartFailed> | undefined }
  | { readonly _tag: "Terminate"; readonly cell: AnyCell; readonly reply: Reply.Reply<boolean> | undefined }
  | { readonly _tag: "Passivate"; readonly cell: ChildCell<M>; readonly generation: number }
  | { readonly _tag: "RestartGroup"; readonly cells: ReadonlyArray<ChildCell<M>> }

/** The handle of a supervisor, as given to users. */
export interface SupervisorHandle {
  readonly [SupervisorTypeId]: typeof SupervisorTypeId
  readonly id: string
  readonly path: string
  /** @internal */
  readonly core: SupervisorCore<never>
  /** @internal */
  readonly cell: AnyCell
}

/** The handle of a dynamic supervisor, as given to users. */
export interface DynamicSupervisorHandle<M> {
  readonly [DynamicSupervisorTypeId]: typeof DynamicSupervisorTypeId
  readonly id: string
  readonly path: string
  /** @internal */
  readonly core: SupervisorCore<M>
  /** @internal */
  readonly cell: AnyCell
}

/**
 * The state and decisions of one supervisor: owner of its children's cells, and extension of its
 * own cell (snapshot, close). `M` is the children's message type (dynamic) or `never` (static).
 */
export class SupervisorCore<M> implements CellOwner, CellExtension {
  readonly children = new Map<string, ChildCell<M>>()
  readonly path: string
  readonly deadLetters: DeadLetterSink
  readonly timers: Timers
  readonly now: () => number
  /** Times of the restarts still inside the period, oldest first, from `restartHead` on. */
  private restartLog: Array<number> = []
  private restartHead = 0
  private backoffTimers: FiberMap.FiberMap<string> | undefined = undefined
  private self: Cell<SupervisorCore<M>, Message<M>, unknown, never> | undefined = undefined
  private readonly restartsMetric: Metric.Metric.Counter<number>
  private readonly escalationsMetric: Metric.Metric.Counter<number>

  constructor(
    readonly id: string,
    readonly settings: Settings,
    parent: CellOwner,
    private readonly factory: ((id: string, owner: CellOwner) => ChildCell<M>) | undefined
  ) {
    this.path = parent.path === "" ? id : `${parent.path}/${id}`
    this.deadLetters = parent.deadLetters
    this.timers = parent.timers
    this.now = parent.now
    this.restartsMetric = Metric.tagged(Metrics.restarts, "supervisor", this.path)
    this.escalationsMetric = Metric.tagged(Metrics.escalations, "supervisor", this.path)
  }

  /** Binds the supervisor to its own cell (they are created together). */
  attach(self: Cell<SupervisorCore<M>, Message<M>, unknown, never>): void {
    this.self = self
  }

  get decider(): Decider.Decider<unknown> {
    return this.settings.decider
  }

  get strategy(): string {
    return this.settings.strategy
  }

  private get isDynamic(): boolean {
    return this.settings.strategy === "dynamic"
  }

  /** Posts a control event to the supervisor's own mailbox. False if the supervisor is closed. */
  private post(message: Message<M>, reply?: Rejectable): boolean {
    return this.self !== undefined && this.self.forceOffer(message, reply)
  }

  // --- the supervisor's behaviour -----------------------------------------------------------

  behavior(): Behavior<SupervisorCore<M>, Message<M>, unknown> {
    return {
      init: () => this.start(),
      receive: (core, message) => Effect.as(this.handle(message), core)
    }
  }

  private start(): Effect.Effect<SupervisorCore<M>, StartFailed, Scope.Scope> {
    return Effect.gen(this, function*() {
      // Added first so that it runs last: the backoff timers below are gone before children stop.
      yield* Effect.addFinalizer((exit) => this.stopChildren(Exit.isInterrupted(exit)))
      this.backoffTimers = yield* FiberMap.make<string>()
      this.restartLog = []
      this.restartHead = 0
      for (const cell of Array.from(this.children.values())) {
        yield* Effect.mapError(cell.activate(), (failure) => this.startFailed(cell, failure))
      }
      return this
    })
  }

  private startFailed(cell: ChildCell<M>, failure: InitFailure): StartFailed {
    // A nested supervisor that failed to start because of its own child: report the deepest one.
    if (failure.failure._tag === "Error" && failure.failure.error instanceof StartFailed) return failure.failure.error
    return new StartFailed({ actor: cell.path, failure: failure.failure })
  }

  /** Stops the children in reverse start order, each within its shutdown budget (brutally if killed). */
  private stopChildren(killed: boolean): Effect.Effect<void> {
    const procedure = Effect.suspend(() => {
      const cells = Array.from(this.children.values()).reverse()
      const stopOne = (cell: ChildCell<M>) =>
        cell.shutdownIncarnation(ExitReason.Shutdown, killed ? brutal : cell.config.supervision.shutdown)
      if (!this.isDynamic) return Effect.forEach(cells, stopOne, { discard: true })
      // Children of a dynamic supervisor do not survive its restart (as in OTP): retire them all.
      for (const cell of cells) {
        cell.retiring = true
        this.children.delete(cell.id)
      }
      return Effect.forEach(cells, (cell) => Effect.zipRight(stopOne(cell), cell.close()), {
        concurrency: this.settings.shutdownConcurrency,
        discard: true
      })
    })
    // Run in a fiber of its own with interruption enabled: this is called from a finalizer, where
    // the shutdown budgets (timeouts) could not cut anything short.
    return Effect.flatMap(Effect.forkDaemon(Effect.interruptible(procedure)), Fiber.join)
  }

  private handle(message: Message<M>): Effect.Effect<void, unknown> {
    switch (message._tag) {
      case "ChildEnded":
        return this.onChildEnded(message.cell, message.ended)
      case "Adopt":
        return this.adopt(message.cell, message.reply)
      case "Terminate":
        return this.terminate(message.cell, message.reply)
      case "Passivate":
        return this.passivate(message.cell, message.generation)
      case "RestartGroup":
        return this.activateGroup(message.cells, 0)
    }
  }

  // --- reacting to children -----------------------------------------------------------------

  private onChildEnded(ended: AnyCell, event: ChildEnded): Effect.Effect<void, unknown> {
    const cell = this.children.get(ended.id)
    // Stale: the child was restarted, stopped or replaced since (e.g. by a sibling's restart).
    if (cell === undefined || cell !== ended || cell.generation !== event.generation || cell.status !== "down") {
      return Effect.void
    }
    return this.applyPolicy(cell, event.reason, event.directive)
  }

  private applyPolicy(
    cell: ChildCell<M>,
    reason: ExitReason.ExitReason,
    directive: Directive.Directive | undefined
  ): Effect.Effect<void, unknown> {
    const restart = cell.config.supervision.restart
    switch (reason._tag) {
      case "Failure": {
        const decided = directive ?? Directive.restart
        if (decided._tag === "Escalate") return this.escalate(cell, reason.failure)
        if (decided._tag === "Stop" || restart === "temporary") return this.retire(cell, reason)
        return this.restart(cell)
      }
      case "Killed":
        return restart === "temporary" ? this.retire(cell, reason) : this.restart(cell)
      default:
        return restart === "permanent" ? this.restart(cell) : this.retire(cell, reason)
    }
  }

  private escalate(cell: ChildCell<M>, failure: ActorFailure.ActorFailure<unknown>): Effect.Effect<void, unknown> {
    return Metric.increment(this.escalationsMetric).pipe(
      Effect.zipRight(Effect.logError(`supervisor ${this.path} escalates the failure of ${cell.path}`)),
      Effect.zipRight(Effect.failCause(ActorFailure.toCause(failure)))
    )
  }

  /** Stops a child for good and, in a dynamic supervisor, forgets it. */
  private retire(cell: ChildCell<M>, reason: ExitReason.ExitReason): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.isDynamic) this.children.delete(cell.id)
      return Effect.zipRight(
        Effect.logDebug(`child ${cell.path} stopped for good: ${reason._tag}`),
        cell.close(reason)
      )
    })
  }

  private restart(cell: ChildCell<M>): Effect.Effect<void, unknown> {
    return Effect.suspend(() => {
      const now = this.now()
      if (this.countRestart(now) > this.settings.intensity) return this.intensityExceeded(cell)
      cell.restarts++
      const group = this.groupOf(cell)
      const siblings = group.filter((member) => member !== cell).reverse()
      return Effect.forEach(siblings, (sibling) => this.stopForRestart(sibling), { discard: true }).pipe(
        Effect.zipRight(Metric.increment(this.restartsMetric)),
        Effect.zipRight(Effect.logWarning(`supervisor ${this.path} restarts ${cell.path}`)),
        Effect.zipRight(this.delayFor(cell, now)),
        Effect.flatMap((delay) => {
          const members = group.filter((member) =>
            this.children.get(member.id) === member && (member.status === "down" || member.status === "new")
          )
          return delay > 0 ? this.schedule(cell, members, delay) : this.activateGroup(members, 0)
        })
      )
    })
  }

  /**
   * Records a restart at `now` and returns how many fall within the period. A sliding window kept
   * as a queue, so that a restart costs O(1) even when the intensity allows thousands.
   */
  private countRestart(now: number): number {
    const log = this.restartLog
    const period = this.settings.periodMillis
    let head = this.restartHead
    while (head < log.length && now - (log[head] ?? now) >= period) head++
    if (head > 64 && head * 2 > log.length) {
      log.splice(0, head)
      head = 0
    }
    this.restartHead = head
    log.push(now)
    return log.length - head
  }

  private intensityExceeded(cell: ChildCell<M>): Effect.Effect<void, RestartIntensityExceeded> {
    const error = new RestartIntensityExceeded({
      supervisor: this.path,
      intensity: this.settings.intensity,
      periodMillis: this.settings.periodMillis,
      child: cell.path,
      lastFailure: cell.lastFailure === undefined
        ? undefined
        : { kind: cell.lastFailure.kind, tag: cell.lastFailure.tag, message: cell.lastFailure.message }
    })
    return Metric.increment(this.escalationsMetric).pipe(
      Effect.zipRight(Effect.logError(error.message)),
      Effect.zipRight(Effect.fail(error))
    )
  }

  /** The children restarted together with `cell`, in start order. */
  private groupOf(cell: ChildCell<M>): ReadonlyArray<ChildCell<M>> {
    switch (this.settings.strategy) {
      case "one_for_one":
      case "dynamic":
        return [cell]
      case "one_for_all":
        return Array.from(this.children.values()).filter((member) => member.status !== "closed")
      case "rest_for_one": {
        const all = Array.from(this.children.values())
        return all.slice(all.indexOf(cell)).filter((member) => member.status !== "closed")
      }
    }
  }

  /** Stops a sibling that restarts along with a failed child; a temporary one is retired instead. */
  private stopForRestart(sibling: ChildCell<M>): Effect.Effect<void> {
    const stop = sibling.status === "starting" || sibling.status === "running" || sibling.status === "stopping"
      ? Effect.asVoid(sibling.shutdownIncarnation(ExitReason.Shutdown, sibling.config.supervision.shutdown))
      : Effect.void
    return sibling.config.supervision.restart === "temporary" && sibling.status !== "closed"
      ? Effect.zipRight(stop, this.retire(sibling, ExitReason.Shutdown))
      : stop
  }

  private delayFor(cell: ChildCell<M>, now: number): Effect.Effect<number> {
    const backoff = this.settings.backoff
    if (backoff === undefined) return Effect.succeed(0)
    if (now - cell.startedAt >= backoff.resetAfterMillis) cell.backoffAttempt = 0
    const attempt = cell.backoffAttempt
    cell.backoffAttempt = attempt + 1
    return Effect.map(Random.next, (random) => Backoff.delayMillis(backoff, attempt, random))
  }

  private schedule(cell: ChildCell<M>, members: ReadonlyArray<ChildCell<M>>, delay: number): Effect.Effect<void> {
    const timers = this.backoffTimers
    if (timers === undefined) return this.activateGroupLater(members)
    // One timer per child for one_for_one; for the group strategies a later failure's group
    // contains the earlier one, so it replaces the pending timer.
    const key = this.settings.strategy === "one_for_one" || this.isDynamic ? `child:${cell.id}` : "group"
    return Effect.asVoid(
      FiberMap.run(timers, key, Effect.zipRight(Effect.sleep(delay), Effect.sync(() => this.post({ _tag: "RestartGroup", cells: members }))))
    )
  }

  private activateGroupLater(members: ReadonlyArray<ChildCell<M>>): Effect.Effect<void> {
    return Effect.sync(() => {
      this.post({ _tag: "RestartGroup", cells: members })
    })
  }

  /** Starts the members in order; an init failure is handled as that child's failure. */
  private activateGroup(cells: ReadonlyArray<ChildCell<M>>, index: number): Effect.Effect<void, unknown> {
    const cell = cells[index]
    if (cell === undefined) return Effect.void
    if (this.children.get(cell.id) !== cell || (cell.status !== "down" && cell.status !== "new")) {
      return this.activateGroup(cells, index + 1)
    }
    return Effect.matchEffect(cell.activate(), {
      onSuccess: () => this.activateGroup(cells, index + 1),
      onFailure: (failure) => this.applyPolicy(cell, ExitReason.Failure(failure.failure), failure.directive)
    })
  }

  // --- requests -----------------------------------------------------------------------------

  private adopt(cell: ChildCell<M>, reply: Reply.Reply<ActorRef<M>, StartFailed> | undefined): Effect.Effect<void, unknown> {
    if (this.children.get(cell.id) !== cell) {
      return reply === undefined ? Effect.void : Effect.asVoid(reply.reject(new ActorStopped({ actor: cell.path })))
    }
    // Started on demand (by a registry): nobody waits for it, so the supervisor does not either;
    // inits run side by side, and an init failure comes back as the child's end.
    if (reply === undefined) return cell.activateDetached()
    return Effect.matchEffect(cell.activate(), {
      onSuccess: () => Effect.asVoid(reply.succeed(cell.ref)),
      onFailure: (failure) => {
        // startChild reports the failure to its caller instead of applying the policy (as OTP).
        this.children.delete(cell.id)
        return cell.close(ExitReason.Failure(failure.failure)).pipe(
          Effect.zipRight(reply.fail(this.startFailed(cell, failure))),
          Effect.asVoid
        )
      }
    })
  }

  private terminate(target: AnyCell, reply: Reply.Reply<boolean> | undefined): Effect.Effect<void> {
    const cell = this.children.get(target.id)
    if (cell === undefined || cell !== target || cell.status === "closed") {
      return reply === undefined ? Effect.void : Effect.asVoid(reply.succeed(false))
    }
    cell.retiring = true
    return cell.shutdownIncarnation(ExitReason.Shutdown, cell.config.supervision.shutdown).pipe(
      Effect.zipRight(Effect.suspend(() => {
        if (this.isDynamic) this.children.delete(cell.id)
        return cell.close()
      })),
      Effect.zipRight(reply === undefined ? Effect.void : Effect.asVoid(reply.succeed(true)))
    )
  }

  private passivate(cell: ChildCell<M>, generation: number): Effect.Effect<void> {
    if (this.children.get(cell.id) !== cell || cell.generation !== generation || !cell.isIdle()) return Effect.void
    cell.retiring = true
    return cell.shutdownIncarnation(ExitReason.Idle, cell.config.supervision.shutdown).pipe(
      Effect.zipRight(Effect.suspend(() => {
        this.children.delete(cell.id)
        return cell.close()
      }))
    )
  }

  // --- CellOwner ----------------------------------------------------------------------------

  childEnded(cell: AnyCell, ended: ChildEnded): Effect.Effect<void> {
    return Effect.sync(() => {
      // If the supervisor is closed it has already stopped this child itself: nothing to decide.
      this.post({ _tag: "ChildEnded", cell, ended })
    })
  }

  stopChild(cell: AnyCell): Effect.Effect<void> {
    return Effect.suspend(() => {
      const reply = Reply.unsafeMake<boolean, never>()
      if (!this.post({ _tag: "Terminate", cell, reply }, reply)) return Effect.void
      // The reply fails only if the supervisor stopped before handling the request (there is no
      // timeout, nor dead-lettering of control messages), which stops the child as well.
      return Effect.catchAll(Effect.asVoid(reply.await), () => Effect.void)
    })
  }

  // --- CellExtension ------------------------------------------------------------------------

  onClose(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const cells = Array.from(this.children.values()).reverse()
      if (this.isDynamic) this.children.clear()
      return Effect.forEach(cells, (cell) => cell.close(), { discard: true })
    })
  }

  childCount(): number {
    return this.children.size
  }

  snapshotChildren(now: number, options: SnapshotOptions): ReadonlyArray<ActorSnapshot> {
    const max = options.maxChildren ?? 1000
    const nodes: Array<ActorSnapshot> = []
    for (const cell of this.children.values()) {
      if (nodes.length >= max) break
      nodes.push(cell.snapshot(now, options))
    }
    return nodes
  }

  // --- dynamic children ---------------------------------------------------------------------

  accepting(): boolean {
    return this.self !== undefined && this.self.status !== "closed"
  }

  /** Starts child `id` from the template and waits for its init. */
  startChild(id: string): Effect.Effect<ActorRef<M>, StartFailed | ChildAlreadyStarted | ActorStopped> {
    return Effect.suspend((): Effect.Effect<ActorRef<M>, StartFailed | ChildAlreadyStarted | ActorStopped> => {
      const factory = this.factory
      if (factory === undefined || !this.accepting()) return Effect.fail(new ActorStopped({ actor: this.path }))
      if (this.children.has(id)) return Effect.fail(new ChildAlreadyStarted({ supervisor: this.path, child: id }))
      const cell = factory(id, this)
      this.children.set(id, cell)
      const reply = Reply.unsafeMake<ActorRef<M>, StartFailed>()
      if (!this.post({ _tag: "Adopt", cell, reply }, reply)) {
        this.children.delete(id)
        return Effect.fail(new ActorStopped({ actor: this.path }))
      }
      return Effect.catchTags(reply.await, {
        MessageDeadLettered: () => Effect.fail(new ActorStopped({ actor: this.path })),
        AskTimeout: () => Effect.fail(new ActorStopped({ actor: this.path }))
      })
    })
  }

  /** Stops child `id` for good. False if there is no such child. */
  terminateChild(id: string): Effect.Effect<boolean, ActorStopped> {
    return Effect.suspend(() => {
      const cell = this.children.get(id)
      if (cell === undefined) return Effect.succeed(false)
      const reply = Reply.unsafeMake<boolean, never>()
      if (!this.post({ _tag: "Terminate", cell, reply }, reply)) return Effect.fail(new ActorStopped({ actor: this.path }))
      return Effect.catchTags(reply.await, {
        MessageDeadLettered: () => Effect.fail(new ActorStopped({ actor: this.path })),
        AskTimeout: () => Effect.fail(new ActorStopped({ actor: this.path }))
      })
    })
  }

  /**
   * The running child `id`, started from the template if there is none (without waiting for its
   * init: messages queue meanwhile). Waits for a child that is being stopped for good to be gone,
   * so that its successor starts from what it saved.
   */
  ensure(id: string): Effect.Effect<ChildCell<M>, ActorStopped> {
    return Effect.suspend(() => {
      const existing = this.children.get(id)
      if (existing !== undefined) {
        return existing.retiring ? Effect.zipRight(existing.awaitExit, this.ensure(id)) : Effect.succeed(existing)
      }
      const factory = this.factory
      if (factory === undefined || !this.accepting()) return Effect.fail(new ActorStopped({ actor: this.path }))
      const cell = factory(id, this)
      this.children.set(id, cell)
      this.post({ _tag: "Adopt", cell, reply: undefined })
      return Effect.succeed(cell)
    })
  }

  /** Asks every child idle for at least `idleMillis` to passivate. Returns how many were asked. */
  passivateIdle(idleMillis: number): Effect.Effect<number> {
    return Effect.sync(() => {
      const now = this.now()
      let asked = 0
      for (const cell of this.children.values()) {
        if (!cell.retiring && cell.isIdle() && now - cell.lastActive >= idleMillis) {
          this.post({ _tag: "Passivate", cell, generation: cell.generation })
          asked++
        }
      }
      return asked
    })
  }
}

/** The owner of a root actor or supervisor: no one to restart it, so every end is final. */
export const rootOwner: Effect.Effect<CellOwner> = Effect.map(
  Effect.all([DeadLetters.resolve, Effect.clock, Effect.runtime<never>()]),
  ([deadLetters, clock, runtime]) => {
    const now = () => clock.unsafeCurrentTimeMillis()
    return makeRootOwner(deadLetters, new Timers(runtime, now), now)
  }
)

const makeRootOwner = (deadLetters: DeadLetterSink, timers: Timers, now: () => number): CellOwner => ({
  path: "",
  decider: Decider.alwaysStop,
  deadLetters,
  timers,
  now,
  childEnded: (cell) => cell.close(),
  stopChild: (cell) => Effect.zipRight(cell.shutdownIncarnation(ExitReason.Shutdown, cell.config.supervision.shutdown), cell.close())
})

const supervisorConfig = (supervision: Supervision, decider: Decider.Decider<unknown> | undefined): CellConfig<unknown> => ({
  kind: "supervisor",
  decider,
  capacity: Number.POSITIVE_INFINITY,
  maxMessageKills: Number.POSITIVE_INFINITY,
  supervision,
  userMessages: false
})

const settingsOf = (
  strategy: Strategy | "dynamic",
  options: {
    readonly intensity?: number
    readonly period?: Duration.DurationInput
    readonly backoff?: Backoff.Backoff
    readonly decider?: Decider.Decider<unknown>
    readonly shutdownConcurrency?: number
  }
): Settings => ({
  strategy,
  intensity: Math.max(0, options.intensity ?? defaultIntensity),
  periodMillis: Math.max(1, Duration.toMillis(options.period ?? defaultPeriod)),
  backoff: options.backoff,
  decider: options.decider ?? Decider.alwaysRestart,
  shutdownConcurrency: Math.max(1, options.shutdownConcurrency ?? defaultShutdownConcurrency)
})

const checkUniqueIds = (path: string, ids: ReadonlyArray<string>): void => {
  const seen = new Set<string>()
  for (const id of ids) {
    // A spec list with duplicate ids is a programming error, reported where the tree is built.
    if (seen.has(id)) throw new Error(`supervisor ${path}: duplicate child id "${id}"`)
    seen.add(id)
  }
}

/** Builds a supervisor with a fixed list of children (not started). */
export const makeStatic = <R>(
  id: string,
  options: SupervisorOptions,
  owner: CellOwner,
  runtime: Runtime.Runtime<R>,
  supervision: Supervision,
  decider: Decider.Decider<unknown> | undefined
): { readonly handle: SupervisorHandle; readonly cell: AnyCell } => {
  const core = new SupervisorCore<never>(id, settingsOf(options.strategy, options), owner, undefined)
  checkUniqueIds(core.path, options.children.map((spec) => spec.id))
  const cell = supervisorCell(core, runtime, owner, supervision, decider)
  for (const spec of options.children) core.children.set(spec.id, spec.instantiate(core, runtime))
  return { handle: { [SupervisorTypeId]: SupervisorTypeId, id, path: core.path, core, cell }, cell }
}

/** The cell that runs a supervisor core as an actor, attached to it. */
const supervisorCell = <M, R>(
  core: SupervisorCore<M>,
  runtime: Runtime.Runtime<R>,
  owner: CellOwner,
  supervision: Supervision,
  decider: Decider.Decider<unknown> | undefined
): Cell<SupervisorCore<M>, Message<M>, unknown, never> => {
  const cell = new Cell<SupervisorCore<M>, Message<M>, unknown, never>(
    core.id,
    core.behavior(),
    supervisorConfig(supervision, decider),
    runtime,
    owner,
    core
  )
  core.attach(cell)
  return cell
}

/** Builds a dynamic supervisor (not started). */
export const makeDynamic = <M, R>(
  id: string,
  options: DynamicSupervisorOptions<M, R>,
  owner: CellOwner,
  runtime: Runtime.Runtime<R>,
  supervision: Supervision,
  decider: Decider.Decider<unknown> | undefined
): { readonly handle: DynamicSupervisorHandle<M>; readonly cell: AnyCell } => {
  const template = options.template
  const core = new SupervisorCore<M>(
    id,
    settingsOf("dynamic", options),
    owner,
    (childId, childOwner) => template.instantiate(childId, childOwner, runtime)
  )
  const cell = supervisorCell(core, runtime, owner, supervision, decider)
  return { handle: { [DynamicSupervisorTypeId]: DynamicSupervisorTypeId, id, path: core.path, core, cell }, cell }
}

/** Reports a supervisor's init failure as the `StartFailed` it carries. */
export const toStartFailed = (path: string, failure: InitFailure): StartFailed =>
  failure.failure._tag === "Error" && failure.failure.error instanceof StartFailed
    ? failure.failure.error
    : new StartFailed({ actor: path, failure: failure.failure })
