/**
 * What to do about a failure. A decider (see `Decider`) maps each failure to one directive:
 *
 * - `RetryInPlace`: keep the actor and its state, wait per the backoff, and run the failing
 *   message (or init) again. No restart, nothing counted towards intensity. The decider bounds the
 *   attempts: it is told the attempt number every time.
 * - `Restart`: end this incarnation and let the supervisor start a fresh one (counts towards the
 *   supervisor's intensity; the strategy decides which siblings restart with it).
 * - `Stop`: end the actor for good, whatever its restart type, and report the failure.
 * - `Escalate`: the supervisor itself fails with this failure, and its parent decides.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { Backoff } from "./Backoff.js"

/** What to do about a failure. */
export type Directive = Data.TaggedEnum<{
  RetryInPlace: { readonly backoff: Backoff }
  Restart: {}
  Stop: {}
  Escalate: {}
}>

const make = Data.taggedEnum<Directive>()

/** Retry the failing message (or init) in place after a delay taken from `backoff`. */
export const retryInPlace = (backoff: Backoff): Directive => make.RetryInPlace({ backoff })
/** Restart the actor with fresh state. */
export const restart: Directive = make.Restart()
/** Stop the actor for good. */
export const stop: Directive = make.Stop()
/** Fail the supervisor with the same failure. */
export const escalate: Directive = make.Escalate()

/** Pattern match on a directive. */
export const $match = make.$match
