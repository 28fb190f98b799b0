/**
 * The EventStore port: captured events, numbered per session and stored once per idempotency id,
 * and the hook events that named no session. The capture writer appends through it; `myco
 * session events` and `myco doctor` read through it.
 */
import { Context, type DateTime, type Effect } from "effect"
import type { SessionNotFound } from "../domain/Errors.js"
import type { AppendOutcome, CapturedEvent, IdempotencyId, StoredEvent, UnattributedEvent } from "../domain/Event.js"
import type { SessionId } from "../domain/Ids.js"
import type { StoreFailure } from "./StoreFailure.js"

/** The count of unattributed events and the newest one's agent, event, reason and time. */
export interface UnattributedSummary {
  readonly count: number
  readonly newest: {
    readonly agent: string
    readonly event: string
    readonly reason: string
    readonly receivedAt: DateTime.Utc
  } | null
}

/** Captured events. */
export class EventStore extends Context.Tag("myco/EventStore")<
  EventStore,
  {
    /**
     * Appends events in one transaction, in order. Each gets the next sequence number of its
     * session; an idempotency id seen before is acknowledged as a duplicate and not stored again;
     * an event for a session that is no longer active is stored flagged as late.
     */
    readonly append: (
      events: ReadonlyArray<CapturedEvent>
    ) => Effect.Effect<ReadonlyArray<AppendOutcome>, SessionNotFound | StoreFailure>
    /** Whether an event with this idempotency id is stored already. */
    readonly seen: (idempotencyId: IdempotencyId) => Effect.Effect<boolean, StoreFailure>
    /** Stores an event that names no session; a repeated idempotency id is not stored again. */
    readonly appendUnattributed: (event: UnattributedEvent) => Effect.Effect<{ readonly duplicate: boolean }, StoreFailure>
    /** How many unattributed events there are, and the newest one's agent, event, reason and time. */
    readonly unattributedSummary: Effect.Effect<UnattributedSummary, StoreFailure>
    /** A session's events in sequence order, from `afterSeq` (exclusive), at most `limit`. */
    readonly list: (
      id: SessionId,
      options: { readonly afterSeq?: number; readonly limit?: number }
    ) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreFailure>
  }
>() {}

/**
 * Whether an event arriving now is late: it happened after its session left `active`. An event of
 * a completed session that happened before the completion (a hook that ran concurrently with the
 * session's end and was delivered after it) is not late: it only arrived late. Every backend
 * decides it with this function.
 */
export const isLate = (session: { readonly status: string; readonly completedAt: number | null }, atMs: number): boolean =>
  session.status !== "active" && !(session.status === "completed" && session.completedAt !== null && atMs <= session.completedAt)
