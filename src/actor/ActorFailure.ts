/**
 * How the failure of an actor looks to a decider: either a typed error from the error channel or
 * a defect (a `die`, or an exception thrown inside the handler). Interruption is never a failure:
 * it is how actors are killed, and the supervisor handles it as such.
 *
 * @since 0.1.0
 */
import { Cause, Option, Predicate, Schema } from "effect"

/** A typed error the handler or init returned in its error channel. */
export interface ErrorFailure<E> {
  readonly _tag: "Error"
  readonly error: E
}

/** A defect: a bug, a `die`, or something thrown inside the handler. */
export interface DefectFailure {
  readonly _tag: "Defect"
  readonly defect: unknown
}

/** A failure of an actor, as given to its decider. */
export type ActorFailure<E = unknown> = ErrorFailure<E> | DefectFailure

/** Builds the failure for a typed error. */
export const error = <E>(error: E): ActorFailure<E> => ({ _tag: "Error", error })

/** Builds the failure for a defect. */
export const defect = (defect: unknown): ActorFailure<never> => ({ _tag: "Defect", defect })

/**
 * Reads a `Cause` as an actor failure: the first typed error wins, then the first defect. A cause
 * made only of interruptions (the handler interrupted itself) is reported as a defect, since no
 * one asked the actor to stop.
 */
export const fromCause = <E>(cause: Cause.Cause<E>): ActorFailure<E> => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return error(failure.value)
  const died = Cause.dieOption(cause)
  if (Option.isSome(died)) return defect(died.value)
  return defect(new Cause.InterruptedException("the handler was interrupted from within"))
}

/** Turns a failure back into a `Cause`, e.g. to fail with the same failure one level up. */
export const toCause = <E>(failure: ActorFailure<E>): Cause.Cause<E> =>
  failure._tag === "Error" ? Cause.fail(failure.error) : Cause.die(failure.defect)

/**
 * A serializable summary of a failure for snapshots and dead letters: its kind, the `_tag` of the
 * error (or the `name` of a thrown Error) and its message.
 */
export const FailureSummary = Schema.Struct({
  kind: Schema.Literal("error", "defect"),
  tag: Schema.String,
  message: Schema.String
})

/** A serializable summary of a failure. */
export interface FailureSummary extends Schema.Schema.Type<typeof FailureSummary> {}

const maxMessageLength = 500

const truncate = (text: string): string =>
  text.length <= maxMessageLength ? text : `${text.slice(0, maxMessageLength)}...`

const tagOf = (value: unknown): string => {
  if (Predicate.hasProperty(value, "_tag") && Predicate.isString(value._tag)) return value._tag
  if (value instanceof Error) return value.name
  return value === null ? "null" : typeof value
}

const messageOf = (value: unknown): string => {
  if (Predicate.hasProperty(value, "message") && Predicate.isString(value.message) && value.message.length > 0) {
    return truncate(value.message)
  }
  try {
    return truncate(String(value))
  } catch {
    // An object whose toString throws still deserves a snapshot entry.
    return "<unprintable>"
  }
}

/** Summarizes a failure for snapshots and dead letters. */
export const summarize = (failure: ActorFailure<unknown>): FailureSummary =>
  failure._tag === "Error"
    ? { kind: "error", tag: tagOf(failure.error), message: messageOf(failure.error) }
    : { kind: "defect", tag: tagOf(failure.defect), message: messageOf(failure.defect) }
