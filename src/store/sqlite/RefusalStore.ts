/**
 * The RefusalStore port on the vault database's `refusals` table (one row per agent; see
 * `Migrations.ts`). Recording is one upsert, so that concurrent session actors of one agent count
 * every refusal and warn at most once per interval.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Layer, Schema } from "effect"
import { RefusalReason, RefusalStore } from "../RefusalStore.js"
import { retryTransient } from "../StoreFailure.js"
import { Millis, ms } from "./Columns.js"
import { DatabaseFile, DatabaseSettings, guardRead, guardWrite } from "./Database.js"
import { corruptRows, mapSqlErrors } from "./SqliteErrors.js"

const RefusalRow = Schema.Struct({
  agent: Schema.String,
  count: Schema.Int,
  first_at: Millis,
  last_at: Millis,
  last_event: Schema.String,
  last_reason: RefusalReason
})
const decodeRows = Schema.decodeUnknown(Schema.Array(RefusalRow))

/** RefusalStore on the vault database. */
export const layerRefusalStore: Layer.Layer<RefusalStore, never, SqlClient | DatabaseSettings | DatabaseFile> = Layer.effect(
  RefusalStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const watch = yield* DatabaseFile
    const file = settings.filename

    const record: RefusalStore["Type"]["record"] = (refusal, { warnEveryMs }) => {
      const at = ms(refusal.at)
      return sql<{ readonly count: number; readonly warned_at: number }>`
        INSERT INTO refusals (agent, count, first_at, last_at, last_event, last_reason, warned_at)
        VALUES (${refusal.agent}, 1, ${at}, ${at}, ${refusal.event}, ${refusal.reason}, ${at})
        ON CONFLICT (agent) DO UPDATE SET
          count = count + 1,
          last_at = max(last_at, excluded.last_at),
          last_event = excluded.last_event,
          last_reason = excluded.last_reason,
          warned_at = CASE WHEN excluded.last_at - warned_at >= ${warnEveryMs} THEN excluded.last_at ELSE warned_at END
        RETURNING count, warned_at`.pipe(
        Effect.map((rows) => {
          const row = rows[0]
          return { count: row?.count ?? 1, warn: row === undefined || row.warned_at === at }
        }),
        mapSqlErrors("sqlite.refusals.record", file),
        retryTransient(settings.retry),
        guardWrite(watch, "sqlite.refusals.record")
      )
    }

    const summary = sql`SELECT agent, count, first_at, last_at, last_event, last_reason FROM refusals ORDER BY agent`.pipe(
      mapSqlErrors("sqlite.refusals.summary", file),
      Effect.flatMap((rows) => decodeRows(rows).pipe(Effect.mapError(corruptRows(file, "refusals")))),
      Effect.map((rows) =>
        rows.map((r) => ({ agent: r.agent, count: r.count, firstAt: r.first_at, lastAt: r.last_at, lastEvent: r.last_event, lastReason: r.last_reason }))
      ),
      retryTransient(settings.retry),
      guardRead(watch)
    )

    return RefusalStore.of({ record, summary })
  })
)
