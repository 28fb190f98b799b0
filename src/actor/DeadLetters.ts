/**
 * The dead-letter port. A message that killed its actor `maxMessageKills` times is published here
 * (reason `Poison`) instead of being retried forever; so are messages still queued when an actor
 * stops for good (reason `Undelivered`). Storage is the application's business: provide a Layer
 * for {@link DeadLetters}. Without one, dead letters are logged at warning level.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Option } from "effect"
import type { FailureSummary } from "./ActorFailure.js"

/** A message that was not (or could not be) handled. */
export interface DeadLetter {
  /** Path of the actor it was sent to. */
  readonly actor: string
  readonly message: unknown
  /** `Poison`: it killed the actor repeatedly. `Undelivered`: the actor stopped before handling it. */
  readonly reason: "Poison" | "Undelivered"
  /** How many times it killed the actor. */
  readonly kills: number
  /** The last failure it caused, for `Poison`. */
  readonly failure: FailureSummary | undefined
  /** When it was dead-lettered (epoch milliseconds, from the Clock). */
  readonly at: number
}

/** Where dead letters go. */
export interface DeadLetterSink {
  /** Records a dead letter. Implementations handle their own failures (log them): this never fails. */
  readonly publish: (letter: DeadLetter) => Effect.Effect<void>
}

/** The dead-letter port. */
export class DeadLetters extends Context.Tag("myco/actor/DeadLetters")<DeadLetters, DeadLetterSink>() {}

/** Read side of the in-memory implementation. */
export interface DeadLetterLogService {
  /** The most recent dead letters, oldest first (bounded by the capacity). */
  readonly entries: Effect.Effect<ReadonlyArray<DeadLetter>>
  /** How many dead letters were published in total. */
  readonly count: Effect.Effect<number>
}

/** Read side of the in-memory implementation, provided by {@link layerMemory}. */
export class DeadLetterLog extends Context.Tag("myco/actor/DeadLetterLog")<DeadLetterLog, DeadLetterLogService>() {}

/** A sink that logs each dead letter at warning level: the default when no port is provided. */
export const logSink: DeadLetterSink = {
  publish: (letter) =>
    Effect.logWarning("dead letter").pipe(
      Effect.annotateLogs({
        actor: letter.actor,
        reason: letter.reason,
        kills: letter.kills,
        failure: letter.failure?.tag ?? "none"
      })
    )
}

/** Builds an in-memory dead-letter store keeping the last `capacity` letters. */
export const makeMemory = (capacity = 1000): Effect.Effect<DeadLetterSink & DeadLetterLogService> =>
  Effect.sync(() => {
    const kept = Math.max(1, capacity)
    // A ring: publishing is O(1) however many letters arrive (a shutdown can produce many).
    const ring: Array<DeadLetter> = []
    let next = 0
    let count = 0
    return {
      publish: (letter) =>
        Effect.sync(() => {
          if (ring.length < kept) ring.push(letter)
          else ring[next] = letter
          next = (next + 1) % kept
          count++
        }),
      entries: Effect.sync(() => (ring.length < kept ? [...ring] : [...ring.slice(next), ...ring.slice(0, next)])),
      count: Effect.sync(() => count)
    }
  })

/** In-memory dead letters: provides both the port and its read side. */
export const layerMemory = (options?: { readonly capacity?: number }): Layer.Layer<DeadLetters | DeadLetterLog> =>
  Layer.effectContext(
    Effect.map(makeMemory(options?.capacity), (memory) =>
      Context.make(DeadLetters, { publish: memory.publish }).pipe(
        Context.add(DeadLetterLog, { entries: memory.entries, count: memory.count })
      ))
  )

/** @internal The sink to use: the provided port, else the logging sink. */
export const resolve: Effect.Effect<DeadLetterSink> = Effect.map(
  Effect.serviceOption(DeadLetters),
  Option.getOrElse(() => logSink)
)
