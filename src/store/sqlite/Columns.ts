/**
 * How the SQLite stores keep values in columns: instants as epoch milliseconds (INTEGER), and the
 * schemas that read them back. One place, so that every table agrees.
 */
import { DateTime, Schema } from "effect"

/** An INTEGER column of epoch milliseconds, read as a UTC instant. */
export const Millis = Schema.DateTimeUtcFromNumber

/** A nullable INTEGER column of epoch milliseconds. */
export const NullableMillis = Schema.NullOr(Schema.DateTimeUtcFromNumber)

/** An instant as stored. */
export const ms = (t: DateTime.Utc): number => DateTime.toEpochMillis(t)

/** A nullable instant as stored. */
export const msOrNull = (t: DateTime.Utc | null): number | null => (t === null ? null : ms(t))
