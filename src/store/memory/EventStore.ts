/**
 * The EventStore port in memory, with the SQLite layer's semantics: a batch is all or nothing
 * (a session it names that does not exist fails it before anything is stored); each new event
 * takes its session's next sequence number; an idempotency id seen before, in the store or earlier
 * in the batch, is a duplicate acknowledged with the stored place; late is decided by `isLate`;
 * payloads are stored as JSON, so what comes back is what SQLite would give back.
 */
import { DateTime, Effect, Layer } from "effect"
import { SessionNotFound } from "../../domain/Errors.js"
import { AppendOutcome, type CapturedEvent, type IdempotencyId, StoredEvent, type UnattributedEvent } from "../../domain/Event.js"
import type { SessionId } from "../../domain/Ids.js"
import { Session } from "../../domain/Session.js"
import { EventStore, isLate, type UnattributedSummary } from "../EventStore.js"
import { MemoryState } from "./MemoryState.js"

const ms = (t: DateTime.Utc): number => DateTime.toEpochMillis(t)

/** A JSON value as it comes back from a JSON column. */
const throughJson = (payload: unknown): unknown => {
  const text: string = JSON.stringify(payload) ?? "null"
  const copy: unknown = JSON.parse(text)
  return copy
}

/** EventStore in memory, on the shared MemoryState. */
export const layerEventStore: Layer.Layer<EventStore, never, MemoryState> = Layer.effect(
  EventStore,
  Effect.map(MemoryState, (state) => {
    const append = (events: ReadonlyArray<CapturedEvent>) =>
      Effect.flatMap(DateTime.now, (now) =>
        Effect.suspend(() => {
          const receivedAtMs = ms(now)
          const receivedAt = DateTime.unsafeMake(receivedAtMs)
          const sessionIds = [...new Set(events.map((e) => e.sessionId))]
          const missing = sessionIds.find((id) => !state.sessions.has(id))
          if (missing !== undefined) return Effect.fail(new SessionNotFound({ sessionId: missing }))
          const touched = sessionIds.flatMap((id) => {
            const stored = state.sessions.get(id)
            return stored === undefined ? [] : [stored]
          })
          // What the batch sees of each session is what it was when the batch began.
          const before = new Map(
            touched.map((s) => [
              s.session.id,
              { status: s.session.status, completedAt: s.session.completedAt === null ? null : ms(s.session.completedAt) }
            ])
          )
          for (const stored of touched) stored.lastActivityMs = Math.max(stored.lastActivityMs, receivedAtMs)
          const added = new Map<string, { events: number; late: number }>()
          const outcomes: Array<AppendOutcome> = []
          for (const event of events) {
            const seen = state.eventIds.get(event.idempotencyId)
            if (seen !== undefined) {
              outcomes.push(new AppendOutcome({ idempotencyId: event.idempotencyId, seq: seen.seq, duplicate: true, late: seen.late }, true))
              continue
            }
            const stored = state.sessions.get(event.sessionId)
            const status = before.get(event.sessionId)
            if (stored === undefined || status === undefined) return Effect.fail(new SessionNotFound({ sessionId: event.sessionId }))
            stored.lastEventSeq += 1
            const seq = stored.lastEventSeq
            const late = isLate(status, ms(event.at))
            const count = added.get(event.sessionId) ?? { events: 0, late: 0 }
            count.events += 1
            if (late) count.late += 1
            added.set(event.sessionId, count)
            state.eventIds.set(event.idempotencyId, { seq, late })
            stored.events.push(
              new StoredEvent(
                {
                  sessionId: event.sessionId,
                  seq,
                  idempotencyId: event.idempotencyId,
                  kind: event.kind,
                  at: DateTime.unsafeMake(ms(event.at)),
                  receivedAt,
                  late,
                  payload: throughJson(event.payload)
                },
                true
              )
            )
            outcomes.push(new AppendOutcome({ idempotencyId: event.idempotencyId, seq, duplicate: false, late }, true))
          }
          for (const [id, count] of added) {
            const stored = state.sessions.get(id)
            if (stored === undefined) continue
            const counters = stored.session.counters
            stored.session = new Session(
              { ...stored.session, counters: { events: counters.events + count.events, lateEvents: counters.lateEvents + count.late } },
              true
            )
          }
          return Effect.succeed(outcomes)
        })
      )

    const list = (id: SessionId, options: { readonly afterSeq?: number; readonly limit?: number }) =>
      Effect.sync(() => {
        const after = (state.sessions.get(id)?.events ?? []).filter((e) => e.seq > (options.afterSeq ?? 0))
        // SQLite's LIMIT: a negative one is no limit.
        return options.limit === undefined || options.limit < 0 ? after : after.slice(0, options.limit)
      })

    const seen = (idempotencyId: IdempotencyId) => Effect.sync(() => state.eventIds.has(idempotencyId))

    const appendUnattributed = (event: UnattributedEvent) =>
      Effect.map(DateTime.now, (now) => {
        if (state.unattributed.has(event.idempotencyId)) return { duplicate: true }
        state.unattributed.set(event.idempotencyId, {
          agent: event.agent,
          event: event.event,
          reason: event.reason,
          receivedAtMs: ms(now)
        })
        return { duplicate: false }
      })

    const unattributedSummary = Effect.sync((): UnattributedSummary => {
      let newest: UnattributedSummary["newest"] = null
      let newestMs = Number.NEGATIVE_INFINITY
      // Among events received at the same millisecond, the last stored is the newest.
      for (const u of state.unattributed.values()) {
        if (u.receivedAtMs >= newestMs) {
          newestMs = u.receivedAtMs
          newest = { agent: u.agent, event: u.event, reason: u.reason, receivedAt: DateTime.unsafeMake(u.receivedAtMs) }
        }
      }
      return { count: state.unattributed.size, newest }
    })

    return EventStore.of({ append, list, seen, appendUnattributed, unattributedSummary })
  })
)
