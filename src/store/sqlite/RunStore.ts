/**
 * The RunStore port on the vault database's `runs` table (see `Migrations.ts` for its columns).
 */
import { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Layer } from "effect"
import { RunStore } from "../RunStore.js"
import { retryTransient } from "../StoreFailure.js"
import { DatabaseFile, DatabaseSettings, guardWrite } from "./Database.js"
import { mapSqlErrors } from "./SqliteErrors.js"

/** RunStore on the vault database. */
export const layerRunStore: Layer.Layer<RunStore, never, SqlClient | DatabaseSettings | DatabaseFile> = Layer.effect(
  RunStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const watch = yield* DatabaseFile

    // One statement: it is its own transaction, and a write, so the busy handler applies.
    const requeueInterrupted = sql<{ readonly id: string }>`UPDATE runs SET status = 'queued', started_at = NULL
        WHERE status = 'running' RETURNING id`.pipe(
      Effect.map((rows) => rows.map((r) => r.id)),
      mapSqlErrors("sqlite.runs.requeue", settings.filename),
      retryTransient(settings.retry),
      guardWrite(watch, "sqlite.runs.requeue")
    )

    return RunStore.of({ requeueInterrupted })
  })
)
