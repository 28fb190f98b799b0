/**
 * Exponential backoff with jitter and a reset, as Akka's `restartWithBackoff`: the n-th delay
 * (n counted from 0) is `min(max, min * 2^n) * (1 + random * jitter)`. As in Akka the jitter is
 * applied after the cap, so a delay can exceed `max` by at most the jitter factor. A child that
 * has run for at least `resetAfter` since its last start begins again at `min`.
 *
 * The delay is a pure function of the attempt and a random number, so that it can be tested
 * without a clock and replayed from logs.
 *
 * @since 0.1.0
 */
import { Duration } from "effect"

/** A backoff policy, normalized to milliseconds. Build one with {@link make}. */
export interface Backoff {
  readonly minMillis: number
  readonly maxMillis: number
  /** Random factor in [0, 1]: 0.2 adds up to 20% to each delay. */
  readonly jitter: number
  readonly resetAfterMillis: number
}

/** Options of {@link make}. */
export interface BackoffOptions {
  readonly min: Duration.DurationInput
  readonly max: Duration.DurationInput
  /** Random factor in [0, 1]; default 0. */
  readonly jitter?: number
  /** Run time after which the attempt counter starts again from 0; default `max`. */
  readonly resetAfter?: Duration.DurationInput
}

/** Builds a backoff policy. Negative or inverted bounds are clamped so that `0 <= min <= max`. */
export const make = (options: BackoffOptions): Backoff => {
  const minMillis = Math.max(0, Duration.toMillis(options.min))
  const maxMillis = Math.max(minMillis, Duration.toMillis(options.max))
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0))
  const resetAfterMillis = options.resetAfter === undefined ? maxMillis : Math.max(0, Duration.toMillis(options.resetAfter))
  return { minMillis, maxMillis, jitter, resetAfterMillis }
}

/** No delay at all: restart at once, as OTP does. */
export const none: Backoff = { minMillis: 0, maxMillis: 0, jitter: 0, resetAfterMillis: 0 }

/**
 * The delay before attempt `attempt` (0 for the first retry or restart), given `random` in [0, 1).
 */
export const delayMillis = (backoff: Backoff, attempt: number, random: number): number => {
  const exponent = Math.max(0, Math.min(attempt, 52))
  const capped = Math.min(backoff.maxMillis, backoff.minMillis * 2 ** exponent)
  return capped * (1 + random * backoff.jitter)
}
