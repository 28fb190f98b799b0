/**
 * The Maintenance port on the vault database: WAL checkpoints and the file watch (DatabaseFile.ts),
 * `PRAGMA integrity_check`, SQLite's online backup, the emergency copy of a damaged database (a
 * checked backup, or a salvage of every row this connection can still read), the lineage replay
 * over `sessions` and `transitions`, and the migrations.
 */
import * as fs from "node:fs"
import { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import Database from "better-sqlite3"
import { Effect, Either, Layer, ParseResult } from "effect"
import { SystemError } from "../../domain/Failure.js"
import { type CopiedTable, type EmergencyCopy, Maintenance, unexplainedSessions, type LineageReport } from "../Maintenance.js"
import { appliedMigrations, DatabaseFile, DatabaseSettings, freshDatabase, migrate } from "./Database.js"
import { knownMigrationIds } from "./Migrations.js"
import { countOf, errorText, quote, SALVAGED_TABLES, salvageInto } from "./Salvage.js"
import { decodeTransitionRecords } from "./SessionStore.js"
import { classifySqlite, isCorruptionCode, mapSqlErrors } from "./SqliteErrors.js"

/** The driver's own words behind a SqlError. */
const causeText = (e: SqlError): string => (e.cause instanceof Error ? e.cause.message : e.message)

/**
 * Checks a fresh copy: it becomes a file of its own (rollback journal, no log beside it), passes
 * `PRAGMA quick_check`, and has this many rows per table.
 */
const checkCopy = (file: string): { readonly ok: true; readonly tables: ReadonlyArray<CopiedTable> } | { readonly ok: false; readonly problem: string } => {
  let db: Database.Database | undefined
  try {
    db = new Database(file)
    db.pragma("journal_mode = DELETE")
    const verdict: unknown = db.pragma("quick_check(1)", { simple: true })
    if (verdict !== "ok") return { ok: false, problem: `PRAGMA quick_check: ${String(verdict)}` }
    const open = db
    return { ok: true, tables: SALVAGED_TABLES.map((t) => ({ table: t.name, rows: countOf(open, `SELECT count(*) AS n FROM ${quote(t.name)}`), lost: 0 })) }
  } catch (cause) {
    return { ok: false, problem: errorText(cause) }
  } finally {
    db?.close()
  }
}

const removeDatabaseFiles = (file: string) => {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) fs.rmSync(`${file}${suffix}`, { force: true })
}

/** Maintenance on the vault database. */
export const layerMaintenance: Layer.Layer<Maintenance, never, SqlClient | SqliteClient.SqliteClient | DatabaseSettings | DatabaseFile> =
  Layer.effect(
    Maintenance,
    Effect.gen(function* () {
      const sql = yield* SqlClient
      const sqlite = yield* SqliteClient.SqliteClient
      const settings = yield* DatabaseSettings
      const watch = yield* DatabaseFile
      const file = settings.filename
      const provide = <A, E>(self: Effect.Effect<A, E, SqlClient | DatabaseSettings>) =>
        self.pipe(Effect.provideService(SqlClient, sql), Effect.provideService(DatabaseSettings, settings))

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

      const inspect = (failure: unknown) =>
        Effect.map(watch.inspect, (seen) => {
          const corrupt = failure instanceof SystemError && failure.code !== undefined && isCorruptionCode(failure.code)
          const findings = corrupt && !seen.findings.includes(failure.message) ? [failure.message, ...seen.findings] : seen.findings
          return { damaged: corrupt || seen.damaged, replaced: seen.replaced, findings }
        })

      const emergencyCopy = (destination: string): Effect.Effect<EmergencyCopy> =>
        Effect.gen(function* () {
          const copied = yield* Effect.either(backup(destination))
          let copyProblem: string
          if (Either.isRight(copied)) {
            fs.chmodSync(destination, 0o600)
            const checked = checkCopy(destination)
            if (checked.ok) return { _tag: "Copied" as const, file: destination, tables: checked.tables }
            copyProblem = `the copy does not pass its check: ${checked.problem}`
          } else {
            copyProblem = `the copy failed: ${copied.left.message}`
          }
          // What this connection can still read, row by row, into a fresh database.
          removeDatabaseFiles(destination)
          const salvaged = yield* Effect.either(
            Effect.zipRight(
              freshDatabase(destination),
              salvageInto(destination, [{ _tag: "Sql", label: "the supervisor's connection", read: (text, params) => sql.unsafe(text, params) }])
            )
          )
          if (Either.isLeft(salvaged)) {
            return { _tag: "Failed" as const, copyProblem, salvageProblem: salvaged.left.message }
          }
          fs.chmodSync(destination, 0o600)
          return {
            _tag: "Salvaged" as const,
            file: destination,
            copyProblem,
            tables: salvaged.right.tables.map((t) => ({ table: t.table, rows: t.recovered, lost: t.lost }))
          }
        }).pipe(Effect.catchAllDefect((defect) => Effect.succeed({ _tag: "Failed" as const, copyProblem: errorText(defect), salvageProblem: "not tried" })))

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

      return Maintenance.of({
        checkpoint: watch.checkpoint,
        verify: watch.verify("sqlite.verify"),
        quickCheck: watch.quickCheck("sqlite.quick_check"),
        inspect,
        emergencyCopy,
        integrityCheck,
        backup,
        lineage,
        migrations,
        migrate: provide(migrate)
      })
    })
  )
