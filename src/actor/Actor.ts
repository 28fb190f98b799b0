/**
 * Actors: a typed mailbox, a behaviour that handles one message at a time with its own state, and
 * an address (`ActorRef`) to send to. This module spawns actors outside of a supervision tree and
 * offers the operations on addresses: tell, ask, monitors, stop and kill.
 *
 * An actor spawned here has no supervisor: its decider can retry in place, but any other
 * directive ends it for good (there is nobody to restart it). Put actors under a `Supervisor` for
 * restarts.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import type { ActorStopped, AskError, MailboxFull } from "./ActorError.js"
import { StartFailed } from "./ActorError.js"
import type { ActorRef, AskOptions } from "./ActorRef.js"
import type { Behavior } from "./Behavior.js"
import { defaultCapacity, defaultMaxMessageKills, defaultWorkerShutdown, type Shutdown } from "./ChildSpec.js"
import type { Decider } from "./Decider.js"
import type { ExitReason } from "./ExitReason.js"
import { Cell, type CellConfig, cellRuntime } from "./internal/cell.js"
import * as internal from "./internal/supervisor.js"
import type { Reply } from "./Reply.js"

/** Options of {@link spawn}. */
export interface SpawnOptions<E> {
  /** Default "actor-<n>". */
  readonly id?: string
  /** Mailbox capacity; senders wait when it is full. Default 1024. */
  readonly capacity?: number
  /** Default: stop on every failure. */
  readonly decider?: Decider<E>
  /** Kills after which the message at fault is dead-lettered; default 3. */
  readonly maxMessageKills?: number
  /** How the Scope's finalizer stops the actor; default 5 seconds. */
  readonly shutdown?: Shutdown
}

let spawned = 0

/**
 * Spawns an actor in the current Scope and waits for its init. Closing the Scope stops it (within
 * its shutdown budget). Fails with `StartFailed` if init fails.
 */
export const spawn = <S, M, E = never, R = never>(
  behavior: Behavior<S, M, E, R>,
  options?: SpawnOptions<E>
): Effect.Effect<ActorRef<M>, StartFailed, R | Scope.Scope> =>
  // The runtime is captured outside of this operation's span: actors outlive it.
  Effect.flatMap(Effect.runtime<R>(), (captured) => Effect.gen(function*() {
    const runtime = cellRuntime(captured)
    const owner = yield* internal.rootOwner
    const config: CellConfig<E> = {
      kind: "worker",
      decider: options?.decider,
      capacity: Math.max(1, options?.capacity ?? defaultCapacity),
      maxMessageKills: Math.max(1, options?.maxMessageKills ?? defaultMaxMessageKills),
      supervision: { restart: "temporary", shutdown: options?.shutdown ?? defaultWorkerShutdown },
      userMessages: true
    }
    const cell = new Cell(options?.id ?? `actor-${++spawned}`, behavior, config, runtime, owner, undefined)
    yield* Effect.addFinalizer(() => owner.stopChild(cell))
    yield* Effect.mapError(cell.activate(), (failure) => new StartFailed({ actor: cell.path, failure: failure.failure }))
    return cell.ref
  }).pipe(Effect.withSpan("Actor.spawn")))

/** Fire and forget; waits while the mailbox is full. */
export const tell = <M>(ref: ActorRef<M>, message: M): Effect.Effect<void, ActorStopped> => ref.tell(message)

/** Fire and forget; fails with `MailboxFull` instead of waiting. */
export const tryTell = <M>(ref: ActorRef<M>, message: M): Effect.Effect<void, ActorStopped | MailboxFull> =>
  ref.tryTell(message)

/** Request/reply with a timeout (default 5 s). */
export const ask = <M, A, E = never>(
  ref: ActorRef<M>,
  make: (reply: Reply<A, E>) => M,
  options?: AskOptions
): Effect.Effect<A, E | AskError> => ref.ask(make, options)

/** Monitor: waits until the actor stops for good and returns why (at once if it already has). */
export const awaitExit = <M>(ref: ActorRef<M>): Effect.Effect<ExitReason> => ref.awaitExit

/**
 * Watch, as Akka's `watchWith`: when `target` stops for good, `watcher` receives
 * `toMessage(reason)`. The watch lasts as long as the current Scope.
 */
export const watch = <T, W>(
  target: ActorRef<T>,
  watcher: ActorRef<W>,
  toMessage: (reason: ExitReason) => W
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.asVoid(Effect.forkScoped(
    Effect.flatMap(target.awaitExit, (reason) =>
      Effect.catchTag(watcher.tell(toMessage(reason)), "ActorStopped", (stopped) =>
        Effect.logDebug(`watcher ${stopped.actor} stopped before ${target.path} did`)))
  ))

/**
 * Stops the actor for good through its owner (a supervisor will not restart it), within its
 * shutdown budget. From inside the actor itself use `context.stop` instead: this waits for the
 * current message to end, which would be itself.
 */
export const stop = <M>(ref: ActorRef<M>): Effect.Effect<void> => ref.control.stop.pipe(Effect.withSpan("Actor.stop"))

/**
 * Kills the actor's current incarnation at once, as OTP's `exit(Pid, kill)`: its terminate hook
 * does not run (Scope finalizers do), and its owner sees an abnormal exit (`Killed`), so a
 * supervisor restarts it unless it is temporary.
 */
export const kill = <M>(ref: ActorRef<M>): Effect.Effect<void> => ref.control.kill.pipe(Effect.withSpan("Actor.kill"))

/** Re-exported so that `Actor.ActorRef` and friends read naturally. */
export type { ActorRef, AskOptions } from "./ActorRef.js"
/** Everything an `ask` can fail with besides the reply's own error. */
export type { AskError } from "./ActorError.js"
