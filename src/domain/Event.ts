/**
 * Captured events: what agents report about a session. Hooks (through the supervisor) produce them;
 * the store appends them with a per-session sequence and an idempotency id so that a retry or a
 * spool replay never stores an event twice.
 */
import { Schema } from "effect"
import { EVENT_KIND_PATTERN, IDEMPOTENCY_ID_PATTERN } from "../lean/Names.js"
import { SessionId } from "./Ids.js"

/** An idempotency id: chosen by the producer, unique per event, stable across retries. */
export const IdempotencyId = Schema.String.pipe(
  Schema.pattern(IDEMPOTENCY_ID_PATTERN, {
    message: () => "an idempotency id is 1-128 characters of letters, digits and . _ : @ + -"
  }),
  Schema.brand("IdempotencyId")
)
export type IdempotencyId = typeof IdempotencyId.Type

/** An event kind, e.g. `prompt`, `tool_use`, `session_end`. */
export const EventKind = Schema.String.pipe(Schema.pattern(EVENT_KIND_PATTERN), Schema.brand("EventKind"))
export type EventKind = typeof EventKind.Type

/** An event as a producer submits it. `payload` is any JSON value. */
export class CapturedEvent extends Schema.Class<CapturedEvent>("CapturedEvent")({
  idempotencyId: IdempotencyId,
  sessionId: SessionId,
  kind: EventKind,
  /** When the agent says it happened. */
  at: Schema.DateTimeUtc,
  payload: Schema.Unknown
}) {}

/** What the store did with one submitted event. */
export class AppendOutcome extends Schema.Class<AppendOutcome>("AppendOutcome")({
  idempotencyId: IdempotencyId,
  /** The event's place in its session (the stored one's, for a duplicate). */
  seq: Schema.Int,
  /** True when the event had been stored already: acknowledged, not stored again. */
  duplicate: Schema.Boolean,
  /**
   * True when it happened after its session left `active` (its `at` is after the completion, or the
   * session is processed or archived): stored and flagged.
   */
  late: Schema.Boolean
}) {}

/** An event as stored. */
export class StoredEvent extends Schema.Class<StoredEvent>("StoredEvent")({
  sessionId: SessionId,
  seq: Schema.Int,
  idempotencyId: IdempotencyId,
  kind: EventKind,
  at: Schema.DateTimeUtc,
  receivedAt: Schema.DateTimeUtc,
  late: Schema.Boolean,
  payload: Schema.Unknown
}) {}

/** A hook event that names no session (malformed input, an unknown contract): stored apart. */
export class UnattributedEvent extends Schema.Class<UnattributedEvent>("UnattributedEvent")({
  idempotencyId: IdempotencyId,
  agent: Schema.String,
  /** The agent's name of the hook event. */
  event: Schema.String,
  at: Schema.DateTimeUtc,
  /** Why it could not be attributed. */
  reason: Schema.String,
  payload: Schema.Unknown
}) {}
