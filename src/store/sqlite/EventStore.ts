/**
 * The EventStore port on the vault database: the `events` table (primary key `(session_id, seq)`,
 * unique idempotency id) and the `unattributed` one. A batch is one transaction of a fixed number
 * of statements, so that the capture writer's group commit costs the same for one event or many.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import { DateTime, Effect, Layer, ParseResult, Schema } from "effect"
import { SessionNotFound } from "../../domain/Errors.js"
import { AppendOutcome, type CapturedEvent, EventKind, IdempotencyId, StoredEvent, type UnattributedEvent } from "../../domain/Event.js"
import { SessionId } from "../../domain/Ids.js"
import { EventStore, isLate } from "../EventStore.js"
import { retryTransient } from "../StoreFailure.js"
import { Millis, ms } from "./Columns.js"
import { DatabaseFile, DatabaseSettings, guardRead, guardWrite } from "./Database.js"
import { corruptRows, mapSqlErrors } from "./SqliteErrors.js"

/** An `events` row as SQLite returns it. */
const EventRow = Schema.Struct({
  session_id: SessionId,
  seq: Schema.Int,
  idempotency_id: IdempotencyId,
  kind: EventKind,
  at: Millis,
  received_at: Millis,
  late: Schema.transform(Schema.Literal(0, 1), Schema.Boolean, {
    strict: true,
    decode: (n) => n === 1,
    encode: (b) => (b ? 1 : 0)
  }),
  payload: Schema.parseJson()
})
const decodeEventRows = Schema.decodeUnknown(Schema.Array(EventRow))

/** EventStore on the vault database. */
export const layerEventStore: Layer.Layer<EventStore, never, SqlClient | DatabaseSettings | DatabaseFile> = Layer.effect(
  EventStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const watch = yield* DatabaseFile
    const file = settings.filename

    /**
     * One transaction for the whole batch, with five statements however many events: touch the
     * batch's sessions (a write first, see above; it also returns their status and last sequence
     * number), find the idempotency ids already stored, insert the new events with their sequence
     * numbers, and update each session's counters. Lists travel as one JSON parameter read with
     * json_each, so that each statement's text never changes and stays prepared.
     */
    const append = (events: ReadonlyArray<CapturedEvent>) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const receivedAt = ms(yield* DateTime.now)
            const sessionIds = [...new Set(events.map((e) => e.sessionId))]
            const sessions = yield* sql<{
              readonly id: string
              readonly status: string
              readonly completed_at: number | null
              readonly last_event_seq: number
            }>`
              UPDATE sessions SET last_activity_at = max(last_activity_at, ${receivedAt})
              WHERE id IN (SELECT value FROM json_each(${JSON.stringify(sessionIds)}))
              RETURNING id, status, completed_at, last_event_seq`
            const state = new Map(
              sessions.map((s) => [s.id, { status: s.status, completedAt: s.completed_at, seq: s.last_event_seq, added: 0, addedLate: 0 }])
            )
            const missing = sessionIds.find((id) => !state.has(id))
            if (missing !== undefined) return yield* new SessionNotFound({ sessionId: missing })
            const stored = new Map<string, { readonly seq: number; readonly late: boolean }>()
            const found = yield* sql<{ readonly idempotency_id: string; readonly seq: number; readonly late: number }>`
              SELECT idempotency_id, seq, late FROM events
              WHERE idempotency_id IN (SELECT value FROM json_each(${JSON.stringify(events.map((e) => e.idempotencyId))}))`
            for (const row of found) stored.set(row.idempotency_id, { seq: row.seq, late: row.late === 1 })
            const outcomes: Array<AppendOutcome> = []
            const rows: Array<readonly [string, number, string, string, number, number, string]> = []
            for (const event of events) {
              const seen = stored.get(event.idempotencyId)
              if (seen !== undefined) {
                outcomes.push(new AppendOutcome({ idempotencyId: event.idempotencyId, seq: seen.seq, duplicate: true, late: seen.late }, true))
                continue
              }
              const session = state.get(event.sessionId)
              if (session === undefined) return yield* new SessionNotFound({ sessionId: event.sessionId })
              session.seq += 1
              session.added += 1
              const late = isLate(session, ms(event.at))
              if (late) session.addedLate += 1
              // A repeat inside this same batch is a duplicate of the first.
              stored.set(event.idempotencyId, { seq: session.seq, late })
              outcomes.push(new AppendOutcome({ idempotencyId: event.idempotencyId, seq: session.seq, duplicate: false, late }, true))
              rows.push([event.sessionId, session.seq, event.idempotencyId, event.kind, ms(event.at), late ? 1 : 0, JSON.stringify(event.payload) ?? "null"])
            }
            if (rows.length > 0) {
              yield* sql`INSERT INTO events (session_id, seq, idempotency_id, kind, at, received_at, late, payload)
                SELECT value->>0, value->>1, value->>2, value->>3, value->>4, ${receivedAt}, value->>5, value->>6
                FROM json_each(${JSON.stringify(rows)})`
              const counters = [...state].filter(([, s]) => s.added > 0).map(([id, s]) => [id, s.seq, s.added, s.addedLate])
              yield* sql`UPDATE sessions SET last_event_seq = c.value->>1, event_count = event_count + (c.value->>2),
                  late_event_count = late_event_count + (c.value->>3)
                FROM json_each(${JSON.stringify(counters)}) AS c WHERE sessions.id = c.value->>0`
            }
            return outcomes
          })
        )
        .pipe(mapSqlErrors("sqlite.events.append", file), retryTransient(settings.retry), guardWrite(watch, "sqlite.events.append"))

    const list = (id: SessionId, options: { readonly afterSeq?: number; readonly limit?: number }) =>
      sql`SELECT * FROM events WHERE session_id = ${id} AND seq > ${options.afterSeq ?? 0}
          ORDER BY seq LIMIT ${options.limit ?? -1}`.pipe(
        Effect.flatMap(decodeEventRows),
        Effect.mapError((e) => (e instanceof ParseResult.ParseError ? corruptRows(file, "events")(e) : e)),
        Effect.map((rows) =>
          rows.map(
            (r) =>
              new StoredEvent(
                {
                  sessionId: r.session_id,
                  seq: r.seq,
                  idempotencyId: r.idempotency_id,
                  kind: r.kind,
                  at: r.at,
                  receivedAt: r.received_at,
                  late: r.late,
                  payload: r.payload
                },
                true
              )
          )
        ),
        mapSqlErrors("sqlite.events.list", file),
        retryTransient(settings.retry),
        guardRead(watch)
      )

    const seen = (idempotencyId: IdempotencyId) =>
      sql<{ readonly found: number }>`SELECT count(*) AS found FROM events WHERE idempotency_id = ${idempotencyId}`.pipe(
        Effect.map((rows) => (rows[0]?.found ?? 0) > 0),
        mapSqlErrors("sqlite.events.seen", file),
        retryTransient(settings.retry),
        guardRead(watch)
      )

    const appendUnattributed = (event: UnattributedEvent) =>
      Effect.flatMap(DateTime.now, (now) =>
        sql<{ readonly idempotency_id: string }>`INSERT INTO unattributed (idempotency_id, agent, event, at, received_at, reason, payload)
          VALUES (${event.idempotencyId}, ${event.agent}, ${event.event}, ${ms(event.at)}, ${ms(now)}, ${event.reason},
            ${JSON.stringify(event.payload) ?? "null"})
          ON CONFLICT (idempotency_id) DO NOTHING RETURNING idempotency_id`
      ).pipe(
        Effect.map((rows) => ({ duplicate: rows.length === 0 })),
        mapSqlErrors("sqlite.unattributed.append", file),
        retryTransient(settings.retry),
        guardWrite(watch, "sqlite.unattributed.append")
      )

    const unattributedSummary = sql<{
      readonly count: number
      readonly agent: string | null
      readonly event: string | null
      readonly reason: string | null
      readonly received_at: number | null
    }>`
      SELECT (SELECT count(*) FROM unattributed) AS count, agent, event, reason, received_at
      FROM (SELECT 1) LEFT JOIN (SELECT agent, event, reason, received_at FROM unattributed ORDER BY received_at DESC LIMIT 1)`.pipe(
      Effect.map((rows) => {
        const row = rows[0]
        return {
          count: row?.count ?? 0,
          newest:
            row === undefined || row.agent === null || row.event === null || row.reason === null || row.received_at === null
              ? null
              : { agent: row.agent, event: row.event, reason: row.reason, receivedAt: DateTime.unsafeMake(row.received_at) }
        }
      }),
      mapSqlErrors("sqlite.unattributed.summary", file),
      retryTransient(settings.retry),
      guardRead(watch)
    )

    return EventStore.of({ append, list, seen, appendUnattributed, unattributedSummary })
  })
)
