/**
 * What any storage backend may fail with besides its domain outcomes, and the one retry policy for
 * the transient part. It is the same for every backend: a backend classifies its own errors into
 * these classes (SQLite's codes in `sqlite/SqliteErrors.ts`), callers only ever see the classes.
 */
import { Duration, Effect, Schedule } from "effect"
import { type ConfigError, isDiskFull, type SystemError, TransientError } from "../domain/Failure.js"

/** Any failure the store can report besides its domain outcomes. */
export type StoreFailure = TransientError | SystemError | ConfigError

/** Retry settings for transient store failures (from myco.yaml `store`). */
export interface RetryPolicy {
  readonly attempts: number
  readonly baseDelayMs: number
}

/**
 * Retries TransientErrors with exponential backoff and jitter, `attempts` times at most, logging
 * each retry at warn. Other failures pass through untouched, and so does a full disk: it lasts
 * until someone frees space, which no retry a few milliseconds later would see.
 */
export const retryTransient =
  (policy: RetryPolicy) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    self.pipe(
      Effect.tapError((e) =>
        e instanceof TransientError && !isDiskFull(e) ? Effect.logWarning(`transient store failure, retrying: ${e.message}`) : Effect.void
      ),
      Effect.retry({
        schedule: Schedule.exponential(Duration.millis(policy.baseDelayMs), 2).pipe(
          Schedule.jittered,
          Schedule.upTo(Duration.seconds(30))
        ),
        times: policy.attempts,
        while: (e) => e instanceof TransientError && !isDiskFull(e)
      })
    )
