/**
 * The LossStore port on the vault database: `lost_events` (one row per lost event by idempotency
 * id, or per ledger slot with its count) and `write_pauses` (see `Migrations.ts`). Recording is one
 * statement however many there are, and ignores what was recorded already (an event's row), or
 * keeps the highest count seen (a slot's), so that reading the same markers or ledger twice
 * counts nothing twice.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Layer, Schema } from "effect"
import { LossStore } from "../LossStore.js"
import { retryTransient } from "../StoreFailure.js"
import { Millis, ms } from "./Columns.js"
import { DatabaseSettings } from "./Database.js"
import { corruptRows, mapSqlErrors } from "./SqliteErrors.js"

const LostSummaryRow = Schema.Struct({
  lost: Schema.Int,
  for_space: Schema.Int,
  first_at: Schema.NullOr(Millis),
  last_at: Schema.NullOr(Millis),
  acknowledged: Schema.Int
})
const PauseRow = Schema.Struct({ started_at: Millis, ended_at: Millis, refused: Schema.Int, reason: Schema.String })
const decodeLost = Schema.decodeUnknown(Schema.Array(LostSummaryRow))
const decodePauses = Schema.decodeUnknown(Schema.Array(PauseRow))
const decodeCount = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: Schema.Int })))
const decodeCounts = Schema.decodeUnknown(Schema.Array(Schema.Struct({ id: Schema.String, count: Schema.Int })))

/** LossStore on the vault database. */
export const layerLossStore: Layer.Layer<LossStore, never, SqlClient | DatabaseSettings> = Layer.effect(
  LossStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const file = settings.filename
    const counted = (rows: unknown) => decodeCount(rows).pipe(Effect.mapError(corruptRows(file, "lost_events")))

    const recordLost: LossStore["Type"]["recordLost"] = (events, recordedAt) => {
      if (events.length === 0) return Effect.succeed(0)
      const rows = JSON.stringify(events.map((e) => ({ id: e.idempotencyId, agent: e.agent, event: e.event, at: ms(e.at), reason: e.reason })))
      return sql<{ readonly id: string }>`
        INSERT INTO lost_events (id, agent, event, at, recorded_at, reason)
        SELECT value ->> 'id', value ->> 'agent', value ->> 'event', value ->> 'at', ${ms(recordedAt)}, value ->> 'reason'
        FROM json_each(${rows}) WHERE true
        ON CONFLICT (id) DO NOTHING
        RETURNING id`.pipe(
        Effect.map((inserted) => inserted.length),
        mapSqlErrors("sqlite.losses.record", file),
        retryTransient(settings.retry)
      )
    }

    const recordCounted: LossStore["Type"]["recordCounted"] = (counts, recordedAt) => {
      if (counts.length === 0) return Effect.succeed(0)
      const rows = JSON.stringify(counts.map((c) => ({ id: c.key, count: c.count, at: ms(c.at), reason: c.reason })))
      return sql
        .withTransaction(
          Effect.gen(function* () {
            // A write first, so that the transaction holds the write lock from its start.
            yield* sql`UPDATE lost_events SET recorded_at = recorded_at WHERE id IN (SELECT value ->> 'id' FROM json_each(${rows}))`
            const before = yield* sql`SELECT id, count FROM lost_events WHERE id IN (SELECT value ->> 'id' FROM json_each(${rows}))`.pipe(
              Effect.flatMap((found) => decodeCounts(found).pipe(Effect.mapError(corruptRows(file, "lost_events"))))
            )
            yield* sql`
              INSERT INTO lost_events (id, agent, event, at, recorded_at, reason, count)
              SELECT value ->> 'id', 'unknown', 'unknown', value ->> 'at', ${ms(recordedAt)}, value ->> 'reason', value ->> 'count'
              FROM json_each(${rows}) WHERE true
              ON CONFLICT (id) DO UPDATE SET count = max(count, excluded.count), at = max(at, excluded.at)`
            const had = new Map(before.map((r) => [r.id, r.count]))
            return counts.reduce((n, c) => n + Math.max(0, c.count - (had.get(c.key) ?? 0)), 0)
          })
        )
        .pipe(mapSqlErrors("sqlite.losses.count", file), retryTransient(settings.retry))
    }

    const recordPause: LossStore["Type"]["recordPause"] = (pause) =>
      sql`INSERT INTO write_pauses (started_at, ended_at, refused, reason)
          VALUES (${ms(pause.startedAt)}, ${ms(pause.endedAt)}, ${pause.refused}, ${pause.reason})`.pipe(
        Effect.asVoid,
        mapSqlErrors("sqlite.losses.pause", file),
        retryTransient(settings.retry)
      )

    const summary = Effect.gen(function* () {
      const lost = yield* sql`
        SELECT coalesce(sum(count - acknowledged), 0) AS lost,
               coalesce(sum(count - acknowledged) FILTER (WHERE reason = 'disk-full'), 0) AS for_space,
               min(at) FILTER (WHERE count > acknowledged) AS first_at,
               max(at) FILTER (WHERE count > acknowledged) AS last_at,
               coalesce(sum(acknowledged), 0) AS acknowledged
        FROM lost_events`.pipe(Effect.flatMap((rows) => decodeLost(rows).pipe(Effect.mapError(corruptRows(file, "lost_events")))))
      const pauses = yield* sql`SELECT count(*) AS n FROM write_pauses`.pipe(Effect.flatMap(counted))
      const last = yield* sql`SELECT started_at, ended_at, refused, reason FROM write_pauses ORDER BY ended_at DESC LIMIT 1`.pipe(
        Effect.flatMap((rows) => decodePauses(rows).pipe(Effect.mapError(corruptRows(file, "write_pauses"))))
      )
      const row = lost[0]
      const pause = last[0]
      return {
        lost: row?.lost ?? 0,
        lostForSpace: row?.for_space ?? 0,
        firstAt: row?.first_at ?? undefined,
        lastAt: row?.last_at ?? undefined,
        acknowledged: row?.acknowledged ?? 0,
        pauses: pauses[0]?.n ?? 0,
        lastPause: pause === undefined ? undefined : { startedAt: pause.started_at, endedAt: pause.ended_at, refused: pause.refused, reason: pause.reason }
      }
    }).pipe(mapSqlErrors("sqlite.losses.summary", file), retryTransient(settings.retry))

    const acknowledge: LossStore["Type"]["acknowledge"] = (at) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            yield* sql`UPDATE lost_events SET acknowledged_at = acknowledged_at WHERE acknowledged < count`
            const open = yield* sql`SELECT coalesce(sum(count - acknowledged), 0) AS n FROM lost_events`.pipe(Effect.flatMap(counted))
            yield* sql`UPDATE lost_events SET acknowledged = count, acknowledged_at = ${ms(at)} WHERE acknowledged < count`
            return open[0]?.n ?? 0
          })
        )
        .pipe(mapSqlErrors("sqlite.losses.acknowledge", file), retryTransient(settings.retry))

    return LossStore.of({ recordLost, recordCounted, recordPause, summary, acknowledge })
  })
)
