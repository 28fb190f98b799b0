/**
 * A decider maps a failure to a directive, as Akka Typed's `onFailure`. It comes with each child
 * spec (or, as a default for all children, with the supervisor), which keeps the kernel generic:
 * the application decides what its error classes mean.
 *
 * @since 0.1.0
 */
import type { ActorFailure } from "./ActorFailure.js"
import type { Backoff } from "./Backoff.js"
import * as Directive from "./Directive.js"

/** What a decider is told besides the failure itself. */
export interface DecisionContext {
  /** The path of the failing actor, e.g. "root/sessions/abc". */
  readonly actor: string
  /**
   * 1 for the first failure of this message (or of init) in this incarnation, 2 after one retry
   * in place, and so on. Use it to bound `RetryInPlace`.
   */
  readonly attempt: number
  /** Whether init or a message handler failed. */
  readonly phase: "init" | "message"
}

/** Maps a failure to a directive. Must be pure and total: it runs inside the actor. */
export type Decider<E = unknown> = (failure: ActorFailure<E>, context: DecisionContext) => Directive.Directive

/** Restart on every failure: the behaviour of an OTP supervisor, and the kernel's default. */
export const alwaysRestart: Decider<unknown> = () => Directive.restart

/** Stop on every failure. The default of an actor spawned without a supervisor. */
export const alwaysStop: Decider<unknown> = () => Directive.stop

/** Escalate every failure to the parent. */
export const alwaysEscalate: Decider<unknown> = () => Directive.escalate

/**
 * Retry in place up to `maxAttempts` times with `backoff`, then restart.
 */
export const retryThenRestart =
  (backoff: Backoff, maxAttempts: number): Decider<unknown> =>
  (_failure, context) =>
    context.attempt <= maxAttempts ? Directive.retryInPlace(backoff) : Directive.restart
