/**
 * The Maintenance port on the vault database: WAL checkpoints, `PRAGMA integrity_check`, SQLite's
 * online backup, the lineage replay over `sessions` and `transitions`, and the migrations.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Effect, Either, Layer, ParseResult } from "effect"
import { SystemError } from "../../domain/Failure.js"
import { Maintenance, unexplainedSessions, type LineageReport } from "../Maintenance.js"
import { appliedMigrations, DatabaseSettings, migrate } from "./Database.js"
import { knownMigrationIds } from "./Migrations.js"
import { decodeTransitionRecords } from "./SessionStore.js"
import { classifySqlite, mapSqlErrors } from "./SqliteErrors.js"

/** The driver's own words behind a SqlError. */
const causeText = (e: SqlError): string => (e.cause instanceof Error ? e.cause.message : e.message)

/** Maintenance on the vault database. */
export const layerMaintenance: Layer.Layer<Maintenance, never, SqlClient | SqliteClient.SqliteClient | DatabaseSettings> =
  Layer.effect(
    Maintenance,
    Effect.gen(function* () {
      const sql = yield* SqlClient
      const sqlite = yield* SqliteClient.SqliteClient
      const settings = yield* DatabaseSettings
      const file = settings.filename
      const provide = <A, E>(self: Effect.Effect<A, E, SqlClient | DatabaseSettings>) =>
        self.pipe(Effect.provideService(SqlClient, sql), Effect.provideService(DatabaseSettings, settings))

      const checkpoint = sql`PRAGMA wal_checkpoint(PASSIVE)`.pipe(Effect.asVoid, mapSqlErrors("sqlite.checkpoint", file))

      const integrityCheck = sql<{ readonly integrity_check: string }>`PRAGMA integrity_check`.pipe(
        Effect.map((rows) => {
          const verdict = rows.map((r) => r.integrity_check)
          const ok = verdict.length === 1 && verdict[0] === "ok"
          return { ok, problems: ok ? [] : verdict }
        }),
        mapSqlErrors("sqlite.integrity", file)
      )

      // A backup that fails is reported, never a defect: the destination is outside our SQL.
      const backup = (destination: string) =>
        sqlite.backup(destination).pipe(
          Effect.asVoid,
          Effect.catchAll((e) => {
            const classified = classifySqlite("sqlite.backup", destination, e)
            return Effect.fail(
              classified ?? new SystemError({ operation: "sqlite.backup", message: `cannot back up the database to ${destination}: ${causeText(e)}`, resource: destination })
            )
          })
        )

      const lineage = Effect.gen(function* () {
        const sessions = yield* sql<{ readonly id: string; readonly status: string; readonly version: number }>`SELECT id, status, version FROM sessions`
        const rows = yield* sql`SELECT * FROM transitions ORDER BY session_id, version`
        const records = yield* Effect.either(decodeTransitionRecords(rows))
        if (Either.isLeft(records)) {
          const report: LineageReport = { _tag: "Unreadable", problem: ParseResult.TreeFormatter.formatErrorSync(records.left) }
          return report
        }
        const report: LineageReport = { _tag: "Checked", sessions: sessions.length, broken: unexplainedSessions(sessions, records.right) }
        return report
      }).pipe(mapSqlErrors("sqlite.lineage", file))

      const migrations = Effect.map(provide(appliedMigrations), (applied) => {
        const newest = knownMigrationIds[knownMigrationIds.length - 1] ?? 0
        return {
          applied,
          pending: knownMigrationIds.filter((id) => !applied.includes(id)),
          unknown: applied.filter((id) => id > newest)
        }
      })

      return Maintenance.of({ checkpoint, integrityCheck, backup, lineage, migrations, migrate: provide(migrate) })
    })
  )
