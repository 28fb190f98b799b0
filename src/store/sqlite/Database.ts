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
import { ConfigError, SystemError } from "../../domain/Failure.js"
import { retryTransient, type RetryPolicy, type StoreFailure } from "../StoreFailure.js"
import { type DatabaseFileService, identityOf, makeDatabaseFile, WAL_CHECKPOINT_BYTES } from "./DatabaseFile.js"
import { knownMigrationIds, loader, MIGRATIONS_TABLE } from "./Migrations.js"
import { DAMAGE_FIX, DAMAGE_HINT, mapSqlErrors } from "./SqliteErrors.js"

/** How to open the vault database. */
export interface DatabaseOptions {
  readonly filename: string
  readonly busyTimeoutMs: number
  readonly retry: RetryPolicy
  /** Apply pending migrations on open (every command but `myco doctor`, which reports them). */
  readonly migrate: boolean
  /**
   * Create the file when nothing is at its path (the default). The supervisor does not: a vault
   * whose database went missing is recovered (`myco doctor --fix`), not silently started afresh.
   */
  readonly create?: boolean
  /**
   * This process holds the vault lock (the supervisor): it alone writes the database file, by its
   * own checkpoints, so any other change of the file is damage (see DatabaseFile.ts).
   */
  readonly owner?: boolean
}

/** The open database's settings, for the stores built on it. */
export class DatabaseSettings extends Context.Tag("myco/DatabaseSettings")<DatabaseSettings, DatabaseOptions>() {}

/** The watch on the open database's file (DatabaseFile.ts), for the stores built on it. */
export class DatabaseFile extends Context.Tag("myco/DatabaseFile")<DatabaseFile, DatabaseFileService>() {}

/**
 * The writes of a store, guarded by the file watch: refused at once once the file is condemned,
 * and successful only once the file is found whole after the commit (so that nothing is
 * acknowledged that went into a damaged file). Failures that say the file is damaged condemn it.
 */
export const guardWrite =
  (file: DatabaseFileService, operation: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | StoreFailure, R> =>
    Effect.zipRight(file.usable, self).pipe(
      Effect.tap(() => file.afterCommit(operation)),
      Effect.tapError(file.observe)
    )

/** The reads of a store: a failure that says the file is damaged condemns it for the writes. */
export const guardRead =
  (file: DatabaseFileService) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tapError(self, file.observe)

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
): Layer.Layer<SqlClient | SqliteClient.SqliteClient | DatabaseSettings | DatabaseFile, StoreFailure> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      yield* refuseUnusableFile(options)
      const client = yield* SqliteClient.make({ filename: options.filename }).pipe(
        Effect.andThen((sql) =>
          Effect.as(
            Effect.all([
              sql.unsafe(`PRAGMA busy_timeout = ${Math.floor(options.busyTimeoutMs)}`),
              sql.unsafe("PRAGMA foreign_keys = ON"),
              // Only the supervisor checkpoints (DatabaseFile.ts): a checkpoint by any other
              // process would be a write of the file it cannot tell from damage.
              sql.unsafe("PRAGMA wal_autocheckpoint = 0")
            ]),
            sql
          )
        ),
        mapSqlErrors("sqlite.open", options.filename)
      )
      const base = Context.make(SqliteClient.SqliteClient, client).pipe(
        Context.add(SqlClient, client),
        Context.add(DatabaseSettings, options)
      )
      // The owner checkpoints by the log's size (DatabaseFile.ts): SQLite keeps a log file at its
      // largest unless told to bring it back to that size when it starts it again.
      if (options.owner === true) {
        yield* client.unsafe(`PRAGMA journal_size_limit = ${WAL_CHECKPOINT_BYTES}`).pipe(mapSqlErrors("sqlite.open", options.filename))
      }
      if (options.migrate) yield* Effect.provide(migrate, base)
      const file = yield* Effect.provide(makeDatabaseFile(options.filename, options.owner === true), base)
      return Context.add(base, DatabaseFile, file)
    })
  ).pipe(Layer.provide(Reactivity.layer))

/**
 * Before opening: a missing file when it may not be created, or an empty one (SQLite would take
 * it for a new database and start afresh, hiding the loss: myco never leaves one empty).
 */
const refuseUnusableFile = (options: DatabaseOptions): Effect.Effect<void, StoreFailure> =>
  Effect.suspend((): Effect.Effect<void, StoreFailure> => {
    const found = identityOf(options.filename)
    if (found === undefined && options.create === false) {
      return Effect.fail(
        new ConfigError({
          message: `the vault database ${options.filename} is missing`,
          hint: "it was deleted or moved away; `myco doctor --fix` rebuilds it (from the emergency backup, when the supervisor took one)",
          fix: "myco doctor --fix",
          path: options.filename
        })
      )
    }
    if (found !== undefined && found.size === 0n) {
      return Effect.fail(
        new SystemError({
          operation: "sqlite.open",
          message: `the vault database ${options.filename} is empty (0 bytes): it was truncated (MYCO_DB_TRUNCATED)`,
          code: "MYCO_DB_TRUNCATED",
          resource: options.filename,
          hint: DAMAGE_HINT,
          fix: DAMAGE_FIX
        })
      )
    }
    return Effect.void
  })

/**
 * Makes a new, empty database at `filename` with the current migrations, and closes it. For the
 * databases the salvage fills (a rebuilt vault database, an emergency salvage).
 */
export const freshDatabase = (filename: string): Effect.Effect<void, StoreFailure> =>
  Effect.scoped(
    Layer.build(layerDatabase({ filename, busyTimeoutMs: 5000, retry: { attempts: 0, baseDelayMs: 1 }, migrate: true, create: true }))
  ).pipe(Effect.asVoid)
