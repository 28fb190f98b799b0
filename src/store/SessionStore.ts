/**
 * The SessionStore port: sessions and their transition history, as the lifecycle needs them. The
 * SQLite layer (`sqlite/SessionStore.ts`) implements it for the vault, the memory layer
 * (`memory/SessionStore.ts`) for tests; another backend is another Layer, never an `if` in
 * business code.
 */
import { Context, type DateTime, type Effect } from "effect"
import type { SessionExists, SessionNotFound, VersionConflict } from "../domain/Errors.js"
import type { AgentName, SessionId } from "../domain/Ids.js"
import type { Session, SessionStatus, TransitionRecord } from "../domain/Session.js"
import type { StoreFailure } from "./StoreFailure.js"

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
