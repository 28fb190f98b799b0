/**
 * Storage ports: what the lifecycle and the supervisor need from storage, as services. The SQLite
 * layer implements them today; another backend is another Layer, never an `if` in business code.
 */
import { Context, type DateTime, type Effect } from "effect"
import type { SessionExists, SessionNotFound, VersionConflict } from "../domain/Errors.js"
import type { AppendOutcome, CapturedEvent, IdempotencyId, StoredEvent, UnattributedEvent } from "../domain/Event.js"
import type { AgentName, SessionId } from "../domain/Ids.js"
import type { Session, SessionStatus, TransitionRecord } from "../domain/Session.js"
import type { StoreFailure } from "./sqlite/SqliteErrors.js"

/** Filters for listing sessions. Newest first. */
export interface SessionFilter {
  readonly status?: SessionStatus | undefined
  readonly agent?: AgentName | undefined
  readonly limit?: number | undefined
}

/** Sessions and their transition history. */
export class SessionStore extends Context.Tag("myco/SessionStore")<
  SessionStore,
  {
    /** Stores a new session and its creation record, in one transaction. */
    readonly create: (
      session: Session,
      record: TransitionRecord
    ) => Effect.Effect<void, SessionExists | SessionNotFound | StoreFailure>
    readonly get: (id: SessionId) => Effect.Effect<Session, SessionNotFound | StoreFailure>
    readonly list: (filter: SessionFilter) => Effect.Effect<ReadonlyArray<Session>, StoreFailure>
    /** How many sessions there are in each status. */
    readonly countByStatus: Effect.Effect<Readonly<Record<SessionStatus, number>>, StoreFailure>
    /**
     * Stores `next` if the stored session is still at `expected` (status and version), and appends
     * `record`, in one transaction. A stored session that moved on is a VersionConflict.
     */
    readonly transition: (
      next: Session,
      expected: { readonly status: SessionStatus; readonly version: number },
      record: TransitionRecord
    ) => Effect.Effect<void, VersionConflict | SessionNotFound | StoreFailure>
    /** Active sessions whose last activity (creation, transition, event) is older than `before`. */
    readonly idleSince: (before: DateTime.Utc) => Effect.Effect<ReadonlyArray<SessionId>, StoreFailure>
    /** The transition history of a session, oldest first. */
    readonly history: (id: SessionId) => Effect.Effect<ReadonlyArray<TransitionRecord>, SessionNotFound | StoreFailure>
  }
>() {}

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
    readonly unattributedSummary: Effect.Effect<
      {
        readonly count: number
        readonly newest: {
          readonly agent: string
          readonly event: string
          readonly reason: string
          readonly receivedAt: DateTime.Utc
        } | null
      },
      StoreFailure
    >
    /** A session's events in sequence order, from `afterSeq` (exclusive), at most `limit`. */
    readonly list: (
      id: SessionId,
      options: { readonly afterSeq?: number; readonly limit?: number }
    ) => Effect.Effect<ReadonlyArray<StoredEvent>, StoreFailure>
  }
>() {}
