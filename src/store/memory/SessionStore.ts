/**
 * The SessionStore port in memory, with the SQLite layer's semantics: a transition is
 * compare-and-set on (status, version) and touches only what the SQLite UPDATE touches; creation
 * starts the counters at zero; lists are newest first.
 */
import { DateTime, Effect, Layer } from "effect"
import { SessionExists, SessionNotFound, VersionConflict } from "../../domain/Errors.js"
import type { SessionId } from "../../domain/Ids.js"
import { Session, type SessionStatus, type TransitionRecord } from "../../domain/Session.js"
import { SessionStore, type SessionFilter } from "../SessionStore.js"
import { MemoryState } from "./MemoryState.js"

const ms = (t: DateTime.Utc): number => DateTime.toEpochMillis(t)

/** Newest first, as `ORDER BY created_at DESC, id DESC`. */
const newestFirst = (a: Session, b: Session): number => {
  const byCreation = ms(b.createdAt) - ms(a.createdAt)
  if (byCreation !== 0) return byCreation
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

/** SessionStore in memory, on the shared MemoryState. */
export const layerSessionStore: Layer.Layer<SessionStore, never, MemoryState> = Layer.effect(
  SessionStore,
  Effect.map(MemoryState, (state) => {
    const create = (s: Session, record: TransitionRecord) =>
      Effect.suspend(() => {
        if (state.sessions.has(s.id)) return Effect.fail(new SessionExists({ sessionId: s.id }))
        // SQLite's foreign key refuses it: a caller that did not check the parent has a bug.
        if (s.parentId !== null && !state.sessions.has(s.parentId)) {
          return Effect.dieMessage(`FOREIGN KEY constraint failed: no parent session ${s.parentId}`)
        }
        state.sessions.set(s.id, {
          session: new Session({ ...s, counters: { events: 0, lateEvents: 0 } }, true),
          lastActivityMs: ms(s.updatedAt),
          lastEventSeq: 0,
          history: [record],
          events: []
        })
        return Effect.void
      })

    const get = (id: SessionId) =>
      Effect.suspend(() => {
        const stored = state.sessions.get(id)
        return stored === undefined ? Effect.fail(new SessionNotFound({ sessionId: id })) : Effect.succeed(stored.session)
      })

    const list = (filter: SessionFilter) =>
      Effect.sync(() => {
        const matching = [...state.sessions.values()]
          .map((stored) => stored.session)
          .filter((s) => (filter.status === undefined || s.status === filter.status) && (filter.agent === undefined || s.agent === filter.agent))
          .sort(newestFirst)
        // SQLite's LIMIT: a negative one is no limit.
        return filter.limit === undefined || filter.limit < 0 ? matching : matching.slice(0, filter.limit)
      })

    const countByStatus = Effect.sync(() => {
      const counts: Record<SessionStatus, number> = { active: 0, completed: 0, processed: 0, archived: 0 }
      for (const { session } of state.sessions.values()) counts[session.status] += 1
      return counts
    })

    const transition = (
      next: Session,
      expected: { readonly status: SessionStatus; readonly version: number },
      record: TransitionRecord
    ) =>
      Effect.suspend((): Effect.Effect<void, SessionNotFound | VersionConflict> => {
        const stored = state.sessions.get(next.id)
        if (stored === undefined) return Effect.fail(new SessionNotFound({ sessionId: next.id }))
        const current = stored.session
        if (current.status !== expected.status || current.version !== expected.version) {
          return Effect.fail(
            new VersionConflict({
              sessionId: next.id,
              expectedStatus: expected.status,
              expectedVersion: expected.version,
              actualStatus: current.status,
              actualVersion: current.version
            })
          )
        }
        // The history's primary key (session, version) refuses a second row for one version.
        if (stored.history.some((r) => r.version === record.version)) {
          return Effect.dieMessage(`UNIQUE constraint failed: transition ${next.id} version ${record.version}`)
        }
        stored.session = new Session(
          {
            ...current,
            status: next.status,
            version: next.version,
            updatedAt: next.updatedAt,
            completedAt: next.completedAt,
            processedAt: next.processedAt,
            archivedAt: next.archivedAt
          },
          true
        )
        stored.lastActivityMs = Math.max(stored.lastActivityMs, ms(next.updatedAt))
        stored.history.push(record)
        return Effect.void
      })

    const idleSince = (before: DateTime.Utc) =>
      Effect.sync(() =>
        [...state.sessions.values()]
          .filter((stored) => stored.session.status === "active" && stored.lastActivityMs < ms(before))
          .sort((a, b) => a.lastActivityMs - b.lastActivityMs)
          .map((stored) => stored.session.id)
      )

    const history = (id: SessionId) =>
      Effect.suspend(() => {
        const stored = state.sessions.get(id)
        return stored === undefined || stored.history.length === 0
          ? Effect.fail(new SessionNotFound({ sessionId: id }))
          : Effect.succeed([...stored.history].sort((a, b) => a.version - b.version))
      })

    return SessionStore.of({ create, get, list, countByStatus, transition, idleSince, history })
  })
)
