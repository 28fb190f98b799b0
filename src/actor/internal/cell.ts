/**
 * @internal
 * The actor cell: the mailbox, the address and the current incarnation of one actor.
 *
 * An incarnation is one run of the behaviour: init, messages, end. The mailbox and the address
 * outlive incarnations, which is why messages sent during a restart are kept, in order.
 *
 * A cell holds no fiber while idle. A processing fiber is forked (from the runtime captured when
 * the tree was started) when a message arrives at an idle running cell, and ends when the mailbox
 * is empty again. Init, retries in place and graceful shutdown also run in that fiber, so that
 * killing the actor is always "interrupt the cell's fiber".
 */
import {
  Cause,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  FiberId,
  Metric,
  Option,
  Random,
  Runtime,
  RuntimeFlags,
  Scope
} from "effect"
import * as ActorFailure from "../ActorFailure.js"
import { ActorStopped, AskTimeout, MailboxFull, MessageDeadLettered, type AskError } from "../ActorError.js"
import type { ActorRef, AskOptions, Control } from "../ActorRef.js"
import { TypeId } from "../ActorRef.js"
import * as Backoff from "../Backoff.js"
import type { ActorContext, Behavior } from "../Behavior.js"
import type { Shutdown, Supervision } from "../ChildSpec.js"
import type { Decider } from "../Decider.js"
import type { DeadLetter, DeadLetterSink } from "../DeadLetters.js"
import * as Directive from "../Directive.js"
import * as ExitReason from "../ExitReason.js"
import * as Metrics from "../Metrics.js"
import * as Reply from "../Reply.js"
import type { ActorSnapshot, ActorState, LastFailure, SnapshotOptions } from "../Snapshot.js"
import { Mailbox, Node, type Rejectable } from "./mailbox.js"
import type { Timers } from "./timers.js"

/** Where a cell is in its life. */
export type CellStatus =
  | "new" // never started
  | "starting" // init running
  | "running" // initialized (busy or idle)
  | "stopping" // graceful end in progress
  | "down" // between incarnations: failed, or stopped by its owner, waiting for a decision
  | "closed" // stopped for good

/** How an incarnation ended without its owner asking: sent to the owner. */
export interface ChildEnded {
  readonly reason: ExitReason.ExitReason
  /** The decider's directive, for failures. */
  readonly directive: Directive.Directive | undefined
  /** The incarnation this is about; events about an older incarnation are stale. */
  readonly generation: number
}

/** An init failure that the decider did not retry in place. */
export class InitFailure {
  readonly _tag = "InitFailure"
  constructor(
    readonly failure: ActorFailure.ActorFailure<unknown>,
    readonly directive: Directive.Directive
  ) {}
}

/** Who owns a cell: a supervisor, or the scope of a standalone actor. */
export interface CellOwner {
  readonly path: string
  /** Default decider for children whose spec has none. */
  readonly decider: Decider<unknown>
  readonly deadLetters: DeadLetterSink
  /** The tree's timer for ask timeouts. */
  readonly timers: Timers
  /** Current time in epoch milliseconds, from the Clock the tree was started with. */
  readonly now: () => number
  /** An incarnation ended without the owner asking (failure, self-stop, kill). */
  readonly childEnded: (cell: AnyCell, ended: ChildEnded) => Effect.Effect<void>
  /** Someone asked, through the actor's address, to stop it for good. */
  readonly stopChild: (cell: AnyCell) => Effect.Effect<void>
}

/** What a supervisor adds to its own cell. */
export interface CellExtension {
  readonly strategy: string
  /** The cell is closing for good: close the children too. */
  readonly onClose: () => Effect.Effect<void>
  readonly childCount: () => number
  readonly snapshotChildren: (now: number, options: SnapshotOptions) => ReadonlyArray<ActorSnapshot>
}

/** Settings shared by all the cells of one spec or template. */
export interface CellConfig<E> {
  readonly kind: "worker" | "supervisor"
  readonly decider: Decider<E> | undefined
  readonly capacity: number
  readonly maxMessageKills: number
  readonly supervision: Supervision
  /**
   * False for supervisors: their messages are control events, which are never retried in place
   * nor dead-lettered (a stale event is simply ignored after a restart).
   */
  readonly userMessages: boolean
}

/** The view of a cell its owner works with, whatever its state and error types. */
export interface ChildCell<M> {
  readonly id: string
  readonly path: string
  readonly ref: ActorRef<M>
  readonly config: CellConfig<never>
  readonly status: CellStatus
  readonly generation: number
  readonly startedAt: number
  readonly lastActive: number
  readonly lastFailure: LastFailure | undefined
  restarts: number
  backoffAttempt: number
  /** Set by the owner before a final stop, so that routers wait for the end instead of sending. */
  retiring: boolean
  readonly mailboxSize: number
  readonly awaitExit: Effect.Effect<ExitReason.ExitReason>
  activate(): Effect.Effect<void, InitFailure>
  /** Starts an incarnation without waiting for init; an init failure is reported as `childEnded`. */
  activateDetached(): Effect.Effect<void>
  /** Ends the incarnation, keeping the mailbox. Returns true if the actor had to be killed. */
  shutdownIncarnation(reason: ExitReason.ExitReason, shutdown: Shutdown): Effect.Effect<boolean>
  /** Stops for good: dead-letters what is queued, fires monitors. */
  close(reason?: ExitReason.ExitReason): Effect.Effect<void>
  kill(): Effect.Effect<void>
  /** Asks the owner to stop the actor for good. */
  requestStop(): Effect.Effect<void>
  offer(message: M, reply: Rejectable | undefined): Effect.Effect<void, ActorStopped>
  /** Enqueues unless the mailbox is full. */
  tryOffer(message: M): Effect.Effect<void, ActorStopped | MailboxFull>
  /** Enqueues regardless of capacity; false if closed. */
  forceOffer(message: M, reply: Rejectable | undefined): boolean
  isIdle(): boolean
  snapshot(now: number, options: SnapshotOptions): ActorSnapshot
}

/** A cell of any message type. */
export type AnyCell = ChildCell<never>

const forkOptions: Runtime.RunForkOptions = { immediate: false }

/**
 * The runtime that cell fibers are forked from: the captured one with interruption disabled at
 * fiber start. Cells enable interruption themselves once their kill handler is in place, so that
 * a fiber interrupted before it has run a single step still releases its resources.
 */
export const cellRuntime = <R>(runtime: Runtime.Runtime<R>): Runtime.Runtime<R> =>
  Runtime.make({
    context: runtime.context,
    fiberRefs: runtime.fiberRefs,
    runtimeFlags: RuntimeFlags.disable(runtime.runtimeFlags, RuntimeFlags.Interruption)
  })

const defaultAskTimeoutMillis = 5000

/** Sends `make(reply)` through `offer` and waits for the reply, with a timeout. */
export const ask = <M, A, E>(
  target: {
    readonly path: string
    readonly timers: Timers
    readonly offer: (message: M, reply: Rejectable | undefined) => Effect.Effect<void, ActorStopped>
  },
  make: (reply: Reply.Reply<A, E>) => M,
  options: AskOptions | undefined
): Effect.Effect<A, E | AskError> =>
  Effect.suspend(() => {
    const reply = Reply.unsafeMake<A, E>()
    const millis = options?.timeout === undefined ? defaultAskTimeoutMillis : Duration.toMillis(options.timeout)
    const exchange = Effect.zipRight(Effect.suspend(() => target.offer(make(reply), reply)), reply.await)
    if (!Number.isFinite(millis)) return exchange
    // The tree's shared timer fails the reply on time, rather than a race of two fibers per ask
    // (Effect.timeout): asks are frequent, and that race cost more than the ask itself.
    // The error is built only if the deadline passes: building an Error captures a stack trace.
    const cancel = target.timers.schedule(
      millis,
      Effect.suspend(() => reply.reject(new AskTimeout({ actor: target.path, timeoutMillis: millis })))
    )
    return Effect.ensuring(exchange, Effect.sync(cancel))
  })

/** What an address needs from its cell. */
export interface Mailer<M> {
  readonly id: string
  readonly path: string
  readonly timers: Timers
  readonly awaitExit: Effect.Effect<ExitReason.ExitReason>
  offer(message: M, reply: Rejectable | undefined): Effect.Effect<void, ActorStopped>
  tryOffer(message: M): Effect.Effect<void, ActorStopped | MailboxFull>
  /** Asks the owner to stop the actor for good. */
  requestStop(): Effect.Effect<void>
  kill(): Effect.Effect<void>
}

/** The address of a cell. */
export class LocalRef<M> implements ActorRef<M> {
  readonly [TypeId]: TypeId = TypeId
  constructor(readonly cell: Mailer<M>) {}
  get id(): string {
    return this.cell.id
  }
  get path(): string {
    return this.cell.path
  }
  tell(message: M): Effect.Effect<void, ActorStopped> {
    return Effect.suspend(() => this.cell.offer(message, undefined))
  }
  tryTell(message: M): Effect.Effect<void, ActorStopped | MailboxFull> {
    return Effect.suspend(() => this.cell.tryOffer(message))
  }
  ask<A, E = never>(make: (reply: Reply.Reply<A, E>) => M, options?: AskOptions): Effect.Effect<A, E | AskError> {
    return ask(this.cell, make, options)
  }
  get awaitExit(): Effect.Effect<ExitReason.ExitReason> {
    return this.cell.awaitExit
  }
  get control(): Control {
    return { stop: this.cell.requestStop(), kill: this.cell.kill() }
  }
}

/** One actor: its mailbox, its address and its current incarnation (see the module comment). */
export class Cell<S, M, E, R> implements ChildCell<M>, ActorContext<M> {
  readonly ref: LocalRef<M>
  status: CellStatus = "new"
  generation = 0
  restarts = 0
  backoffAttempt = 0
  startedAt = 0
  lastActive = 0
  deadLetterCount = 0
  retiring = false
  lastFailure: LastFailure | undefined = undefined
  /** Why the last incarnation ended. */
  private downReason: ExitReason.ExitReason | undefined = undefined
  /** Why the cell closed, once it has. */
  private finalReason: ExitReason.ExitReason | undefined = undefined
  private fiber: Fiber.RuntimeFiber<void, never> | undefined = undefined
  private incarnation: { value: S } | undefined = undefined
  private scope: Scope.CloseableScope | undefined = undefined
  /** Resumes whoever waits for the current init (a callback: cheaper than a Deferred). */
  private ready: ((result: Effect.Effect<void, InitFailure>) => void) | undefined = undefined
  /** Set when the owner asked the incarnation to end; the fiber honours it between messages. */
  private stopReason: ExitReason.ExitReason | undefined = undefined
  private selfStop = false
  /** How many times the message at the head of the mailbox killed the actor. */
  private headKills = 0
  /** A handler is running on the message at the head (including retries in place). */
  private inFlight = false
  /** Completed to cut short a retry-in-place delay when a stop is requested. */
  private wake: Deferred.Deferred<void> | undefined = undefined
  /** Set while a graceful end runs outside of the cell's fiber (see shutdownIncarnation). */
  private finishing: Deferred.Deferred<void> | undefined = undefined
  private listeners: Array<(reason: ExitReason.ExitReason) => void> | undefined = undefined
  private readonly mailbox: Mailbox<M>

  constructor(
    readonly id: string,
    private readonly behavior: Behavior<S, M, E, R>,
    readonly config: CellConfig<E>,
    private readonly runtime: Runtime.Runtime<R>,
    private readonly owner: CellOwner,
    private readonly extension: CellExtension | undefined
  ) {
    this.mailbox = new Mailbox(config.capacity)
    this.ref = new LocalRef<M>(this)
  }

  // --- ActorContext -------------------------------------------------------------------------

  get path(): string {
    return this.owner.path === "" ? this.id : `${this.owner.path}/${this.id}`
  }

  get self(): ActorRef<M> {
    return this.ref
  }

  get timers(): Timers {
    return this.owner.timers
  }

  get stop(): Effect.Effect<void> {
    return Effect.sync(() => {
      this.selfStop = true
    })
  }

  // --- sending ------------------------------------------------------------------------------

  get mailboxSize(): number {
    return this.mailbox.size
  }

  offer(message: M, reply: Rejectable | undefined): Effect.Effect<void, ActorStopped> {
    if (this.status === "closed") return Effect.fail(new ActorStopped({ actor: this.path }))
    const node = new Node(message, reply)
    if (this.mailbox.tryPush(node)) {
      this.kick()
      return Effect.void
    }
    return Effect.async<void, ActorStopped>((resume) => {
      const blocked = this.mailbox.block(node, resume)
      if (reply !== undefined) {
        // An ask that times out while waiting for space gives up its place: its reply is failed.
        blocked.detach = reply.onDone(() => {
          this.mailbox.unblock(blocked)
          resume(Effect.void)
        })
      }
      return Effect.sync(() => {
        blocked.detach?.()
        this.mailbox.unblock(blocked)
      })
    })
  }

  tryOffer(message: M): Effect.Effect<void, ActorStopped | MailboxFull> {
    if (this.status === "closed") return Effect.fail(new ActorStopped({ actor: this.path }))
    if (!this.mailbox.tryPush(new Node(message, undefined))) {
      return Effect.fail(new MailboxFull({ actor: this.path, capacity: this.mailbox.capacity }))
    }
    this.kick()
    return Effect.void
  }

  forceOffer(message: M, reply: Rejectable | undefined): boolean {
    if (this.status === "closed") return false
    this.mailbox.forcePush(new Node(message, reply))
    this.kick()
    return true
  }

  private kick(): void {
    if (this.status === "running" && this.fiber === undefined) {
      this.fiber = this.fork(this.loop())
    }
  }

  private fork(effect: Effect.Effect<void, never, R>): Fiber.RuntimeFiber<void, never> {
    const body = Effect.catchAllCause(effect, (cause) =>
      // Only a bug in the kernel gets here (user code runs under matchCause): log it and leave the
      // cell down rather than stuck with a dead fiber.
      Effect.logError("actor kernel defect", cause).pipe(
        Effect.annotateLogs("actor", this.path),
        Effect.zipRight(Effect.sync(() => this.markDown(ExitReason.Failure(ActorFailure.fromCause(cause)))))
      ))
    // The runtime starts fibers uninterruptible (see `cellRuntime`), so that the kill handler is
    // in place even when the fiber is interrupted before it has run a single step.
    return Runtime.runFork(
      this.runtime,
      Effect.onInterrupt(Effect.interruptible(body), () => this.onKilled()),
      forkOptions
    )
  }

  // --- processing ---------------------------------------------------------------------------

  private loop(): Effect.Effect<void, never, R> {
    const loop: Effect.Effect<void, never, R> = Effect.suspend(() => this.step(loop))
    return loop
  }

  private step(loop: Effect.Effect<void, never, R>): Effect.Effect<void, never, R> {
    const incarnation = this.incarnation
    if (incarnation === undefined) {
      this.fiber = undefined
      return Effect.void
    }
    if (this.stopReason !== undefined) return this.finish(incarnation, this.stopReason)
    const node = this.mailbox.peek()
    if (node === undefined) {
      this.fiber = undefined
      this.lastActive = this.owner.now()
      return Metrics.updateMailboxDepth
    }
    return this.handle(incarnation, node, 1, loop)
  }

  private handle(
    incarnation: { value: S },
    node: Node<M>,
    attempt: number,
    loop: Effect.Effect<void, never, R>
  ): Effect.Effect<void, never, R> {
    this.inFlight = true
    return Effect.matchCauseEffect(
      Effect.suspend(() => this.behavior.receive(incarnation.value, node.message, this)),
      {
        onSuccess: (next) => {
          this.inFlight = false
          incarnation.value = next
          this.mailbox.shift()
          this.headKills = 0
          return this.selfStop ? this.finish(incarnation, ExitReason.Normal) : loop
        },
        onFailure: (cause) => this.onMessageFailure(incarnation, node, cause, attempt, loop)
      }
    )
  }

  private onMessageFailure(
    incarnation: { value: S },
    node: Node<M>,
    cause: Cause.Cause<E>,
    attempt: number,
    loop: Effect.Effect<void, never, R>
  ): Effect.Effect<void, never, R> {
    const failure = ActorFailure.fromCause(cause)
    this.recordFailure(failure)
    return Effect.flatMap(this.decide(failure, attempt, "message"), (directive) => {
      if (directive._tag === "RetryInPlace") {
        return Effect.logWarning("message failed; retrying in place", cause).pipe(
          Effect.annotateLogs({ actor: this.path, attempt }),
          Effect.zipRight(this.pause(directive.backoff, attempt - 1)),
          Effect.zipRight(
            Effect.suspend(() =>
              this.stopReason !== undefined
                ? this.finish(incarnation, this.stopReason)
                : this.handle(incarnation, node, attempt + 1, loop)
            )
          )
        )
      }
      const kills = this.headKills + 1
      return Effect.logError(`actor failed: ${directive._tag}`, cause).pipe(
        Effect.annotateLogs({ actor: this.path, kills }),
        Effect.zipRight(this.countKill(node, failure)),
        Effect.zipRight(this.endIncarnation(incarnation, ExitReason.Failure(failure), Exit.failCause(cause), directive))
      )
    })
  }

  /**
   * The message being handled killed this incarnation. It stays at the head, to be tried again by
   * the next incarnation, unless it has now killed the actor often enough to be called poison.
   */
  private countKill(node: Node<M>, failure: ActorFailure.ActorFailure<unknown> | undefined): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.inFlight = false
      this.headKills++
      const kills = this.headKills
      if (!this.config.userMessages || kills < this.config.maxMessageKills || this.mailbox.peek() !== node) return Effect.void
      this.mailbox.shift()
      this.headKills = 0
      return this.deadLetter(node, "Poison", failure, kills)
    })
  }

  private decide(
    failure: ActorFailure.ActorFailure<E>,
    attempt: number,
    phase: "init" | "message"
  ): Effect.Effect<Directive.Directive> {
    const decider: Decider<E> = this.config.decider ?? this.owner.decider
    let directive: Directive.Directive
    try {
      directive = decider(failure, { actor: this.path, attempt, phase })
    } catch (thrown) {
      return Effect.logError("decider threw; restarting instead", Cause.die(thrown)).pipe(
        Effect.annotateLogs("actor", this.path),
        Effect.as(Directive.restart)
      )
    }
    if (!this.config.userMessages && directive._tag === "RetryInPlace") return Effect.succeed(Directive.restart)
    return Effect.succeed(directive)
  }

  /** Waits out a backoff delay; a stop request cuts it short. */
  private pause(backoff: Backoff.Backoff, attempt: number): Effect.Effect<void> {
    if (this.stopReason !== undefined) return Effect.void
    return Effect.flatMap(Random.next, (random) => {
      const wake = Deferred.unsafeMake<void>(FiberId.none)
      this.wake = wake
      return Effect.raceFirst(Effect.sleep(Backoff.delayMillis(backoff, attempt, random)), Deferred.await(wake)).pipe(
        Effect.ensuring(Effect.sync(() => {
          this.wake = undefined
        }))
      )
    })
  }

  private recordFailure(failure: ActorFailure.ActorFailure<unknown>): void {
    this.lastFailure = { ...ActorFailure.summarize(failure), at: this.owner.now() }
  }

  // --- ending an incarnation ----------------------------------------------------------------

  private runTerminate(incarnation: { value: S }, reason: ExitReason.ExitReason): Effect.Effect<void, never, R> {
    const terminate = this.behavior.terminate
    if (terminate === undefined) return Effect.void
    return Effect.suspend(() => terminate(incarnation.value, reason, this)).pipe(
      Effect.catchAllCause((cause) =>
        Effect.logError("terminate hook failed", cause).pipe(Effect.annotateLogs("actor", this.path))
      )
    )
  }

  /** Lazy: the scope must be taken when the close runs, not when the pipeline is built. */
  private closeScope(exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    return Effect.suspend(() => {
      const scope = this.scope
      this.scope = undefined
      return scope === undefined ? Effect.void : Scope.close(scope, exit)
    })
  }

  private markDown(reason: ExitReason.ExitReason): void {
    this.inFlight = false
    this.incarnation = undefined
    this.fiber = undefined
    this.status = "down"
    this.downReason = reason
  }

  /** The incarnation failed: run terminate, release its resources, tell the owner. */
  private endIncarnation(
    incarnation: { value: S },
    reason: ExitReason.ExitReason,
    exit: Exit.Exit<unknown, unknown>,
    directive: Directive.Directive
  ): Effect.Effect<void, never, R> {
    return this.runTerminate(incarnation, reason).pipe(
      Effect.zipRight(this.closeScope(exit)),
      Effect.zipRight(
        Effect.suspend(() => {
          this.markDown(reason)
          // When the owner is already stopping us it is waiting for this fiber: nothing to report.
          if (this.stopReason !== undefined) return Effect.void
          return this.owner.childEnded(this, { reason, directive, generation: this.generation })
        })
      )
    )
  }

  /** Graceful end, asked by the owner or by the actor itself. */
  private finish(incarnation: { value: S }, reason: ExitReason.ExitReason): Effect.Effect<void, never, R> {
    const ownerAsked = this.stopReason !== undefined
    this.status = "stopping"
    return this.runTerminate(incarnation, reason).pipe(
      Effect.zipRight(this.closeScope(Exit.void)),
      Effect.zipRight(
        Effect.suspend(() => {
          this.markDown(reason)
          return ownerAsked
            ? Effect.void
            : this.owner.childEnded(this, { reason, directive: undefined, generation: this.generation })
        })
      )
    )
  }

  /** The cell's fiber was interrupted: release resources without running terminate. */
  private onKilled(): Effect.Effect<void> {
    const ownerAsked = this.stopReason !== undefined
    const wasStarting = this.status === "starting"
    const inFlight = this.inFlight ? this.mailbox.peek() : undefined
    this.markDown(ExitReason.Killed)
    if (wasStarting) {
      this.resolveReady(Effect.fail(new InitFailure(ActorFailure.defect(new Cause.InterruptedException("killed during init")), Directive.stop)))
    }
    return this.closeScope(Exit.interrupt(FiberId.none)).pipe(
      // A message whose handler was cut short counts as having killed the actor: a message that
      // hangs its actor is dead-lettered after maxMessageKills kills, like one that crashes it.
      Effect.zipRight(inFlight === undefined ? Effect.void : this.countKill(inFlight, undefined)),
      Effect.zipRight(
        ownerAsked
          ? Effect.void
          : this.owner.childEnded(this, { reason: ExitReason.Killed, directive: undefined, generation: this.generation })
      )
    )
  }

  // --- lifecycle driven by the owner --------------------------------------------------------

  activate(): Effect.Effect<void, InitFailure> {
    return Effect.async<void, InitFailure>((resume) => {
      if (!this.begin()) {
        resume(Effect.void)
        return
      }
      this.ready = resume
      this.fiber = this.fork(this.initialize(1))
      return Effect.sync(() => {
        if (this.ready === resume) this.ready = undefined
      })
    })
  }

  activateDetached(): Effect.Effect<void> {
    return Effect.sync(() => {
      if (this.begin()) this.fiber = this.fork(this.initialize(1))
    })
  }

  private begin(): boolean {
    if (this.status === "closed") this.reopen()
    if (this.status !== "new" && this.status !== "down") return false
    this.status = "starting"
    this.generation++
    this.stopReason = undefined
    this.selfStop = false
    this.retiring = false
    this.ready = undefined
    return true
  }

  private resolveReady(result: Effect.Effect<void, InitFailure>): void {
    const ready = this.ready
    this.ready = undefined
    if (ready !== undefined) ready(result)
  }

  private initialize(attempt: number): Effect.Effect<void, never, R> {
    return Effect.flatMap(Scope.make(), (scope) => {
      this.scope = scope
      return Effect.matchCauseEffect(Scope.extend(Effect.suspend(() => this.behavior.init(this)), scope), {
        onSuccess: (state) => {
          this.incarnation = { value: state }
          this.status = "running"
          this.startedAt = this.owner.now()
          this.lastActive = this.startedAt
          this.resolveReady(Effect.void)
          return this.loop()
        },
        onFailure: (cause) => this.onInitFailure(cause, attempt)
      })
    })
  }

  private onInitFailure(cause: Cause.Cause<E>, attempt: number): Effect.Effect<void, never, R> {
    const failure = ActorFailure.fromCause(cause)
    this.recordFailure(failure)
    return this.closeScope(Exit.failCause(cause)).pipe(
      Effect.zipRight(this.decide(failure, attempt, "init")),
      Effect.flatMap((directive) => {
        if (directive._tag === "RetryInPlace" && this.stopReason === undefined) {
          return Effect.logWarning("init failed; retrying in place", cause).pipe(
            Effect.annotateLogs({ actor: this.path, attempt }),
            Effect.zipRight(this.pause(directive.backoff, attempt - 1)),
            Effect.zipRight(
              Effect.suspend(() =>
                this.stopReason !== undefined
                  ? this.abortInit(failure, Directive.stop)
                  : this.initialize(attempt + 1)
              )
            )
          )
        }
        return Effect.logError(`init failed: ${directive._tag}`, cause).pipe(
          Effect.annotateLogs("actor", this.path),
          Effect.zipRight(this.abortInit(failure, directive))
        )
      })
    )
  }

  private abortInit(failure: ActorFailure.ActorFailure<unknown>, directive: Directive.Directive): Effect.Effect<void> {
    return Effect.suspend(() => {
      const reason = ExitReason.Failure(failure)
      this.markDown(reason)
      // Whoever waits for the start is told; a detached start reports to the owner instead.
      if (this.ready !== undefined) {
        this.resolveReady(Effect.fail(new InitFailure(failure, directive)))
        return Effect.void
      }
      if (this.stopReason !== undefined) return Effect.void
      return this.owner.childEnded(this, { reason, directive, generation: this.generation })
    })
  }

  shutdownIncarnation(reason: ExitReason.ExitReason, shutdown: Shutdown): Effect.Effect<boolean> {
    return Effect.suspend(() => {
      if (this.status !== "starting" && this.status !== "running" && this.status !== "stopping") {
        return Effect.succeed(false)
      }
      if (this.stopReason === undefined) this.stopReason = reason
      if (this.wake !== undefined) Deferred.unsafeDone(this.wake, Exit.void)
      let fiber = this.fiber
      if (fiber === undefined) {
        const finishing = this.finishing
        if (finishing !== undefined) return Effect.as(Deferred.await(finishing), false)
        const incarnation = this.incarnation
        // Idle, and nothing that could overrun the budget (no terminate hook, or no budget): end
        // it here, which is much cheaper when a dynamic supervisor stops thousands of children.
        // Otherwise a fiber of its own runs the graceful end, so that it can be killed.
        if (incarnation !== undefined && (this.behavior.terminate === undefined || shutdown._tag === "Infinity")) {
          const done = Deferred.unsafeMake<void>(FiberId.none)
          this.finishing = done
          return Effect.provide(this.finish(incarnation, reason), this.runtime.context).pipe(
            Effect.ensuring(Effect.sync(() => {
              this.finishing = undefined
              Deferred.unsafeDone(done, Exit.void)
            })),
            Effect.as(false)
          )
        }
        fiber = this.fork(this.loop())
        this.fiber = fiber
      }
      return awaitEnd(fiber, shutdown)
    })
  }

  requestStop(): Effect.Effect<void> {
    return this.owner.stopChild(this)
  }

  kill(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const fiber = this.fiber
      if (fiber !== undefined) return Effect.asVoid(Fiber.interrupt(fiber))
      if (this.status !== "running") return Effect.void
      return this.onKilled()
    })
  }

  close(reason?: ExitReason.ExitReason): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.status === "closed") return Effect.void
      if (this.status !== "new" && this.status !== "down") {
        return Effect.zipRight(
          this.shutdownIncarnation(reason ?? ExitReason.Shutdown, this.config.supervision.shutdown),
          this.close(reason)
        )
      }
      const final = reason ?? this.downReason ?? ExitReason.Shutdown
      this.status = "closed"
      this.finalReason = final
      this.headKills = 0
      const { blocked, nodes } = this.mailbox.drain()
      for (const sender of blocked) sender.resume(Effect.fail(new ActorStopped({ actor: this.path })))
      const listeners = this.listeners
      this.listeners = undefined
      const undelivered = this.config.userMessages
        ? Effect.forEach(nodes, (node) => this.deadLetter(node, "Undelivered", undefined, 0), { discard: true })
        : Effect.forEach(nodes, (node) => node.reply === undefined ? Effect.void : node.reply.reject(new ActorStopped({ actor: this.path })), { discard: true })
      return undelivered.pipe(
        Effect.zipRight(this.extension === undefined ? Effect.void : this.extension.onClose()),
        Effect.zipRight(Effect.sync(() => {
          if (listeners !== undefined) for (const listener of listeners) listener(final)
        }))
      )
    })
  }

  private reopen(): void {
    this.status = "new"
    this.finalReason = undefined
    this.downReason = undefined
  }

  private deadLetter(
    node: Node<M>,
    reason: DeadLetter["reason"],
    failure: ActorFailure.ActorFailure<unknown> | undefined,
    kills: number
  ): Effect.Effect<void> {
    return Effect.suspend(() => this.publishDeadLetter(node, reason, failure, kills))
  }

  private publishDeadLetter(
    node: Node<M>,
    reason: DeadLetter["reason"],
    failure: ActorFailure.ActorFailure<unknown> | undefined,
    kills: number
  ): Effect.Effect<void> {
    this.deadLetterCount++
    const letter: DeadLetter = {
      actor: this.path,
      message: node.message,
      reason,
      kills,
      failure: failure === undefined ? undefined : ActorFailure.summarize(failure),
      at: this.owner.now()
    }
    const reply = node.reply
    const reject = reply === undefined
      ? Effect.void
      : reply.reject(reason === "Poison" ? new MessageDeadLettered({ actor: this.path }) : new ActorStopped({ actor: this.path }))
    return Effect.all([this.owner.deadLetters.publish(letter), Metric.increment(Metrics.deadLetters), reject], {
      discard: true
    })
  }

  // --- observation --------------------------------------------------------------------------

  isIdle(): boolean {
    return this.status === "running" && this.fiber === undefined && this.mailbox.size === 0
  }

  get awaitExit(): Effect.Effect<ExitReason.ExitReason> {
    return Effect.async<ExitReason.ExitReason>((resume) => {
      if (this.finalReason !== undefined) {
        resume(Effect.succeed(this.finalReason))
        return
      }
      const listener = (reason: ExitReason.ExitReason) => resume(Effect.succeed(reason))
      if (this.listeners === undefined) this.listeners = [listener]
      else this.listeners.push(listener)
      return Effect.sync(() => {
        const index = this.listeners?.indexOf(listener) ?? -1
        if (index >= 0) this.listeners?.splice(index, 1)
      })
    })
  }

  snapshot(now: number, options: SnapshotOptions): ActorSnapshot {
    const extension = this.extension
    return {
      id: this.id,
      path: this.path,
      kind: this.config.kind,
      strategy: extension === undefined ? null : extension.strategy,
      state: stateOf(this.status),
      restarts: this.restarts,
      lastFailure: this.lastFailure ?? null,
      mailboxDepth: this.mailbox.size + this.mailbox.blockedCount,
      uptimeMs: this.status === "running" || this.status === "stopping" ? Math.max(0, now - this.startedAt) : 0,
      deadLetters: this.deadLetterCount,
      childCount: extension === undefined ? 0 : extension.childCount(),
      children: extension === undefined ? [] : extension.snapshotChildren(now, options)
    }
  }
}

const stateOf = (status: CellStatus): ActorState => {
  switch (status) {
    case "new":
    case "closed":
      return "stopped"
    case "starting":
      return "starting"
    case "running":
      return "running"
    case "stopping":
      return "stopping"
    case "down":
      return "restarting"
  }
}

/** Waits for a cell's fiber to end within the shutdown budget, then kills it. True if killed. */
const awaitEnd = (fiber: Fiber.RuntimeFiber<void, never>, shutdown: Shutdown): Effect.Effect<boolean> => {
  switch (shutdown._tag) {
    case "Brutal":
      return Effect.map(Fiber.interrupt(fiber), Exit.isInterrupted)
    case "Infinity":
      return Effect.as(Fiber.await(fiber), false)
    case "Timeout":
      // The wait is made interruptible explicitly: shutdowns run in scope finalizers, which are
      // uninterruptible, and a timeout cannot cut an uninterruptible wait short.
      return Effect.interruptible(Fiber.await(fiber)).pipe(
        Effect.timeoutOption(shutdown.millis),
        Effect.flatMap(Option.match({
          onNone: () => Effect.map(Fiber.interrupt(fiber), Exit.isInterrupted),
          onSome: () => Effect.succeed(false)
        }))
      )
  }
}
