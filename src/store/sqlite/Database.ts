/**
 * The vault database: opening SQLite (@effect/sql-sqlite-node on better-sqlite3, WAL), its pragmas
 * and its migrations. The stores of this folder are built on what `layerDatabase` provides.
 *
 * Concurrency: several processes may write one vault at once. SQLite serialises writers; every
 * write transaction of the stores starts with a write statement, so SQLite's busy handler
 * (busy_timeout) waits for the lock with a fresh snapshot instead of failing with
 * SQLITE_BUSY_SNAPSHOT. What still comes back busy is a TransientError, retried with backoff.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as Migrator from "@effect/sql/Migrator"
import { SqlClient } from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Context, Effect, Layer } from "effect"
import { ConfigError } from "../../domain/Failure.js"
import { retryTransient, type RetryPolicy, type StoreFailure } from "../StoreFailure.js"
import { knownMigrationIds, loader, MIGRATIONS_TABLE } from "./Migrations.js"
import { mapSqlErrors } from "./SqliteErrors.js"

/** How to open the vault database. */
export interface DatabaseOptions {
  readonly filename: string
  readonly busyTimeoutMs: number
  readonly retry: RetryPolicy
  /** Apply pending migrations on open (every command but `myco doctor`, which reports them). */
  readonly migrate: boolean
}

/** The open database's settings, for the stores built on it. */
export class DatabaseSettings extends Context.Tag("myco/DatabaseSettings")<DatabaseSettings, DatabaseOptions>() {}

/** The ids of the migrations applied to the database, ascending (empty for a new file). */
export const appliedMigrations: Effect.Effect<ReadonlyArray<number>, StoreFailure, SqlClient | DatabaseSettings> =
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const { filename } = yield* DatabaseSettings
    const tables = yield* sql<{ readonly name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${MIGRATIONS_TABLE}`.pipe(
      mapSqlErrors("sqlite.migrations", filename)
    )
    if (tables.length === 0) return []
    const rows = yield* sql<{ readonly migration_id: number }>`SELECT migration_id FROM ${sql(MIGRATIONS_TABLE)} ORDER BY migration_id`.pipe(
      mapSqlErrors("sqlite.migrations", filename)
    )
    return rows.map((r) => r.migration_id)
  })

/** The migrations this myco knows that the database lacks. */
export const pendingMigrations: Effect.Effect<ReadonlyArray<number>, StoreFailure, SqlClient | DatabaseSettings> =
  Effect.map(appliedMigrations, (applied) => knownMigrationIds.filter((id) => !applied.includes(id)))

/** A vault written by a newer myco: we must not touch it. */
const newerVault = (filename: string, unknown: ReadonlyArray<number>): ConfigError =>
  new ConfigError({
    message: `the vault database ${filename} has migrations this myco does not know (${unknown.join(", ")}): it was written by a newer myco`,
    hint: "upgrade myco to the version that wrote this vault",
    fix: "npm install myco@latest",
    path: filename
  })

/**
 * Applies pending migrations and returns their ids. Several processes may try at once: the
 * transaction starts by writing a lock row, which makes SQLite serialise them (the busy handler
 * waits with a fresh snapshot); the migrator then sees, under the lock, what is still pending.
 */
export const migrate: Effect.Effect<ReadonlyArray<number>, StoreFailure, SqlClient | DatabaseSettings> = Effect.gen(
  function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const applied = yield* appliedMigrations
    const newest = knownMigrationIds[knownMigrationIds.length - 1] ?? 0
    const unknown = applied.filter((id) => id > newest)
    if (unknown.length > 0) return yield* newerVault(settings.filename, unknown)
    if (knownMigrationIds.every((id) => applied.includes(id))) return []
    const migrateUnderLock = Effect.gen(function* () {
      yield* sql`CREATE TABLE IF NOT EXISTS myco_lock (name TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL) STRICT`
      return yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO myco_lock (name, n) VALUES ('migrate', 1) ON CONFLICT (name) DO UPDATE SET n = n + 1`
          const done = yield* Migrator.make({})({ loader, table: MIGRATIONS_TABLE })
          return done.map(([id]) => id)
        })
      )
    })
    return yield* migrateUnderLock.pipe(
      // A migration that fails is a bug in myco: it dies rather than leave a half-made schema.
      Effect.catchTag("MigrationError", (e) => Effect.die(e)),
      mapSqlErrors("sqlite.migrate", settings.filename),
      retryTransient(settings.retry)
    )
  }
)

/**
 * Opens the vault database: the SQLite client, its pragmas and, when asked, pending migrations.
 * A file that cannot be opened is a ConfigError (permissions) or a SystemError (corrupt, not a
 * database), never a crash.
 */
export const layerDatabase = (
  options: DatabaseOptions
): Layer.Layer<SqlClient | SqliteClient.SqliteClient | DatabaseSettings, StoreFailure> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const client = yield* SqliteClient.make({ filename: options.filename }).pipe(
        Effect.andThen((sql) =>
          Effect.as(
            Effect.all([
              sql.unsafe(`PRAGMA busy_timeout = ${Math.floor(options.busyTimeoutMs)}`),
              sql.unsafe("PRAGMA foreign_keys = ON")
            ]),
            sql
          )
        ),
        mapSqlErrors("sqlite.open", options.filename)
      )
      const context = Context.make(SqliteClient.SqliteClient, client).pipe(
        Context.add(SqlClient, client),
        Context.add(DatabaseSettings, options)
      )
      if (options.migrate) yield* Effect.provide(migrate, context)
      return context
    })
  ).pipe(Layer.provide(Reactivity.layer))
