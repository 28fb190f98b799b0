/**
 * The LossStore port on the vault database: `lost_events` (one row per lost event, by idempotency
 * id) and `write_pauses` (see `Migrations.ts`). Recording lost events is one statement however many
 * there are, and ignores those recorded already, so that reading the same markers twice counts
 * them once.
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
  for_space: Schema.NullOr(Schema.Int),
  first_at: Schema.NullOr(Millis),
  last_at: Schema.NullOr(Millis),
  acknowledged: Schema.Int
})
const PauseRow = Schema.Struct({ started_at: Millis, ended_at: Millis, refused: Schema.Int, reason: Schema.String })
const decodeLost = Schema.decodeUnknown(Schema.Array(LostSummaryRow))
const decodePauses = Schema.decodeUnknown(Schema.Array(PauseRow))
const decodeCount = Schema.decodeUnknown(Schema.Array(Schema.Struct({ pauses: Schema.Int })))

/** LossStore on the vault database. */
export const layerLossStore: Layer.Layer<LossStore, never, SqlClient | DatabaseSettings> = Layer.effect(
  LossStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const file = settings.filename

    const recordLost: LossStore["Type"]["recordLost"] = (events, recordedAt) => {
      if (events.length === 0) return Effect.succeed(0)
      const rows = JSON.stringify(events.map((e) => ({ id: e.idempotencyId, agent: e.agent, event: e.event, at: ms(e.at), reason: e.reason })))
      return sql<{ readonly idempotency_id: string }>`
        INSERT INTO lost_events (idempotency_id, agent, event, at, recorded_at, reason)
        SELECT value ->> 'id', value ->> 'agent', value ->> 'event', value ->> 'at', ${ms(recordedAt)}, value ->> 'reason'
        FROM json_each(${rows}) WHERE true
        ON CONFLICT (idempotency_id) DO NOTHING
        RETURNING idempotency_id`.pipe(
        Effect.map((inserted) => inserted.length),
        mapSqlErrors("sqlite.losses.record", file),
        retryTransient(settings.retry)
      )
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
        SELECT count(*) FILTER (WHERE acknowledged_at IS NULL) AS lost,
               sum(reason = 'disk-full') FILTER (WHERE acknowledged_at IS NULL) AS for_space,
               min(at) FILTER (WHERE acknowledged_at IS NULL) AS first_at,
               max(at) FILTER (WHERE acknowledged_at IS NULL) AS last_at,
               count(*) FILTER (WHERE acknowledged_at IS NOT NULL) AS acknowledged
        FROM lost_events`.pipe(Effect.flatMap((rows) => decodeLost(rows).pipe(Effect.mapError(corruptRows(file, "lost_events")))))
      const count = yield* sql`SELECT count(*) AS pauses FROM write_pauses`.pipe(
        Effect.flatMap((rows) => decodeCount(rows).pipe(Effect.mapError(corruptRows(file, "write_pauses"))))
      )
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
        pauses: count[0]?.pauses ?? 0,
        lastPause: pause === undefined ? undefined : { startedAt: pause.started_at, endedAt: pause.ended_at, refused: pause.refused, reason: pause.reason }
      }
    }).pipe(mapSqlErrors("sqlite.losses.summary", file), retryTransient(settings.retry))

    const acknowledge: LossStore["Type"]["acknowledge"] = (at) =>
      sql<{ readonly idempotency_id: string }>`
        UPDATE lost_events SET acknowledged_at = ${ms(at)} WHERE acknowledged_at IS NULL RETURNING idempotency_id`.pipe(
        Effect.map((rows) => rows.length),
        mapSqlErrors("sqlite.losses.acknowledge", file),
        retryTransient(settings.retry)
      )

    return LossStore.of({ recordLost, recordPause, summary, acknowledge })
  })
)
