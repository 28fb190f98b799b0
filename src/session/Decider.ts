/**
 * myco's failure policy for the supervision tree (docs/architecture.md, failure classes; docs/actors.md), as a decider for the
 * generic actor kernel: it maps the failure classes of `src/domain/Failure.ts` to directives.
 *
 * | failure                       | directive                                                     |
 * |-------------------------------|---------------------------------------------------------------|
 * | TransientError                | retry the message in place with exponential backoff + jitter, |
 * |                               | at most `maxTransientRetries` times, then restart the child   |
 * | AgentError, defect (a bug)    | restart the child with fresh state (counts towards intensity) |
 * | ConfigError                   | stop the child; the kernel logs it and the snapshot shows it  |
 * | SystemError                   | escalate; every supervisor using this decider escalates it    |
 * |                               | again, so it reaches the root at once                         |
 * | anything else                 | restart                                                       |
 *
 * A child that failed to start (`StartFailed`, e.g. a nested supervisor whose child's init failed)
 * is judged by the failure that stopped it from starting, so a ConfigError deep in a subtree stops
 * that subtree instead of restarting it until the intensity runs out.
 *
 * @since 0.1.0
 */
import { ActorError, type ActorFailure, Backoff, type Decider, Directive } from "../actor/index.js"
import { isFailure } from "../domain/Failure.js"

/** Options of {@link make}. */
export interface MycoDeciderOptions {
  /** Backoff between retries in place of a transient failure. */
  readonly transientBackoff: Backoff.Backoff
  /** Retries in place before a transient failure is handled like an agent failure (restart). */
  readonly maxTransientRetries: number
}

/** Default backoff of transient retries: 100 ms doubling up to 5 s, with 20% jitter. */
export const defaultTransientBackoff: Backoff.Backoff = Backoff.make({ min: "100 millis", max: "5 seconds", jitter: 0.2 })

/** Default number of retries in place of a transient failure. */
export const defaultMaxTransientRetries = 5

/** Builds myco's decider with the given retry policy for transient failures. */
export const make = (options: MycoDeciderOptions): Decider.Decider<unknown> => {
  const decide = (failure: ActorFailure.ActorFailure<unknown>, attempt: number): Directive.Directive => {
    if (failure._tag === "Defect") return Directive.restart
    const error = failure.error
    if (error instanceof ActorError.StartFailed) return decide(error.failure, attempt)
    if (!isFailure(error)) return Directive.restart
    switch (error._tag) {
      case "TransientError":
        return attempt <= options.maxTransientRetries ? Directive.retryInPlace(options.transientBackoff) : Directive.restart
      case "AgentError":
        return Directive.restart
      case "ConfigError":
        return Directive.stop
      case "SystemError":
        return Directive.escalate
    }
  }
  return (failure, context) => decide(failure, context.attempt)
}

/**
 * myco's default decider: transient -> retry in place (5 times, 100 ms..5 s with jitter) then
 * restart; agent errors and defects -> restart; config -> stop; system -> escalate; unknown ->
 * restart. Use it on every child spec and supervisor of the daemon's tree.
 */
export const mycoDecider: Decider.Decider<unknown> = make({
  transientBackoff: defaultTransientBackoff,
  maxTransientRetries: defaultMaxTransientRetries
})
