/**
 * The vault database: it exists and opens, was not found damaged by a supervisor
 * (`.myco/damaged.json`), passes the backend's integrity check, and its schema is this myco's
 * (pending migrations are applied by `--fix` or any other command; unknown ones mean a newer myco
 * wrote it). Once it is open and current, the checks that read the stores run on it; any store
 * failure on the way is reported here, once, with what to do about it.
 *
 * A damaged database (found by a supervisor, emptied, not a database any more, corrupt, failing
 * its integrity check) is repaired by `--fix`: rebuilt from every readable row of it and of the
 * supervisor's emergency backup (store/sqlite/Recovery.ts), the damaged file kept aside, what was
 * recovered and what was not reported per table and written beside it.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Layer } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { SystemError } from "../../domain/Failure.js"
import { Maintenance } from "../../store/Maintenance.js"
import { recoverDatabase, type RecoveryReport } from "../../store/sqlite/Recovery.js"
import { isCorruptionCode } from "../../store/sqlite/SqliteErrors.js"
import type { StoreFailure } from "../../store/StoreFailure.js"
import { describeDamage, type FoundDamage, putDamageRecordAside, readDamageRecord } from "../../vault/DamageRecord.js"
import { tryLockVault } from "../../vault/Lock.js"
import type { VaultPaths } from "../../vault/Vault.js"
import { writePrivateAtomic } from "../../lean/SafeFs.js"
import { type Check, type CheckContext, type Diagnosis, errorText, ok, type StoreDiagnosis } from "../Check.js"

const REBUILD_HINT =
  "stop every myco process; `myco doctor --fix` rebuilds the database from every row that can be read (and from the supervisor's emergency backup), keeps the damaged file in .myco/backups/ and says what was recovered; hooks keep their events in the spool meanwhile"

/** A store that could not be read: damaged, or not ours to read. */
const unusable = (e: StoreFailure): Check => ({
  result: {
    check: "database",
    status: "fail",
    detail: errorText(e),
    hint:
      e._tag === "SystemError"
        ? "the disk or the file failed; once that is fixed, run `myco doctor` again (the database is kept in .myco/backups/ by `--fix` if it turns out damaged)"
        : "check the database file's permissions",
    fix: e._tag === "ConfigError" ? e.fix : "myco doctor"
  },
  exitCode: e._tag === "SystemError" ? ExitCode.software : ExitCode.config
})

const relative = (paths: VaultPaths, file: string) => path.relative(paths.root, file) || file

const pad = (text: string, width: number) => text.padEnd(width)

/** The recovery report, as `--fix` prints it and as it is kept beside the damaged file. */
export const describeRecovery = (paths: VaultPaths, report: RecoveryReport, reportFile: string): string => {
  const lines: Array<string> = [
    `rebuilt ${relative(paths, paths.db)} from every readable row${
      report.keptAside.length > 0 ? `; moved aside, not deleted: ${report.keptAside.map((f) => relative(paths, f)).join(", ")}` : ""
    }`
  ]
  for (const source of report.sources) lines.push(`  from ${relative(paths, source.label)}: ${source.state}`)
  lines.push(`  ${pad("table", 13)} ${pad("recovered", 10)} lost`)
  for (const table of report.salvage.tables) {
    const skipped = table.sources.reduce((n, s) => n + s.skipped, 0)
    const unreadable = table.sources.filter((s) => s.unreadable !== null && s.unreadable !== "not in this copy")
    const lost =
      table.lost === null ? `unknown${table.recovered === 0 && unreadable.length > 0 ? " (no copy could read or count it)" : " (no copy could count it)"}` : String(table.lost)
    const notes = [
      ...(skipped > 0 ? [`${skipped} damaged part${skipped === 1 ? "" : "s"} skipped`] : []),
      ...table.dropped.map((d) => `${d.count} not kept: ${d.reason}`)
    ]
    lines.push(`  ${pad(table.table, 13)} ${pad(String(table.recovered), 10)} ${lost}${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`)
  }
  if (report.salvage.orphanedChildren > 0) {
    lines.push(`  ${report.salvage.orphanedChildren} session(s) name a parent session that was not recovered (their link is kept)`)
  }
  lines.push(`  this report: ${relative(paths, reportFile)}`)
  return lines.join("\n")
}

/** The emergency backup a damage record names, with the counts it stands for when it is a salvage. */
const emergencyOf = (damage: FoundDamage) => {
  if (damage._tag !== "Recorded") return null
  const backup = damage.record.emergencyBackup
  const file = backup.file
  if (file === null) return null
  return backup.kind === "salvage"
    ? { file, originalCounts: new Map(backup.tables.map((t) => [t.table, t.lost === null ? null : t.rows + t.lost])) }
    : { file }
}

/**
 * `--fix` for a damaged database: holding the vault lock (no supervisor may run), rebuilds it,
 * puts the damage record aside with the damaged file, and writes the report beside them.
 */
const rebuild = (context: CheckContext, damage: FoundDamage): Effect.Effect<string, unknown> =>
  Effect.gen(function* () {
    const paths = context.vault.paths
    const lock = yield* Effect.try(() => tryLockVault(paths))
    if (lock === "held") {
      return yield* new SystemError({
        operation: "doctor.recover",
        message: "a supervisor runs on this vault: stop it first (`myco stop`), then run `myco doctor --fix` again",
        fix: "myco stop && myco doctor --fix"
      })
    }
    return yield* Effect.gen(function* () {
      const stamp = new Date().toISOString().replace(/[:.]/g, "-")
      const report = yield* recoverDatabase({
        db: paths.db,
        backups: paths.backups,
        emergencyBackup: emergencyOf(damage),
        foreignFile: damage._tag === "Recorded" && damage.record.replaced,
        stamp
      })
      const base = path.join(paths.backups, `damaged-${stamp}`)
      const text = describeRecovery(paths, report, `${base}.recovery.txt`)
      yield* Effect.try(() => {
        putDamageRecordAside(paths, `${base}.json`)
        writePrivateAtomic(`${base}.recovery.txt`, `${new Date().toISOString()}\n${text}\n`)
      })
      return text
    }).pipe(Effect.ensuring(Effect.sync(() => lock.release())))
  })

/** The database check's failure for a damaged database, with the rebuild as its repair. */
const damaged = (context: CheckContext, detail: string, damage: FoundDamage): Check => ({
  result: { check: "database", status: "fail", detail, hint: REBUILD_HINT, fix: "myco doctor --fix" },
  exitCode: ExitCode.software,
  repair: rebuild(context, damage)
})

/** The database checks, then `storeChecks` in order once the schema is current. */
export const database =
  (storeChecks: ReadonlyArray<StoreDiagnosis>): Diagnosis =>
  (context) => {
    const paths = context.vault.paths
    const db = paths.db
    const found = readDamageRecord(paths)
    if (found._tag !== "None") {
      const note = found._tag === "Recorded" ? `\n${found.record.emergencyBackup.note}` : ""
      return Effect.succeed([damaged(context, `${describeDamage(found)}${note}`, found)])
    }
    if (!fs.existsSync(db)) {
      return Effect.succeed([
        {
          result: {
            check: "database",
            status: "fail",
            detail: `${db} does not exist`,
            hint: "it is created with the vault; creating it again is safe (an empty database)",
            fix: "myco doctor --fix"
          },
          exitCode: ExitCode.config,
          repair: Effect.as(Effect.scoped(Layer.build(context.openStores({ migrate: true }))), `created ${db}`)
        }
      ])
    }
    if (fs.statSync(db).size === 0) {
      return Effect.succeed([damaged(context, `${db} is empty (0 bytes): it was truncated`, found)])
    }
    const checks = Effect.gen(function* () {
      const maintenance = yield* Maintenance
      const results: Array<Check> = [ok("database", `${db} opens`)]
      const integrity = yield* maintenance.integrityCheck
      results.push(
        integrity.ok
          ? ok("integrity", "PRAGMA integrity_check: ok")
          : {
              result: {
                check: "integrity",
                status: "fail",
                detail: `PRAGMA integrity_check: ${integrity.problems.slice(0, 3).join("; ")}`,
                hint: `the database is damaged; ${REBUILD_HINT}`,
                fix: "myco doctor --fix"
              },
              exitCode: ExitCode.software,
              repair: rebuild(context, found)
            }
      )
      const migrations = yield* maintenance.migrations
      if (migrations.unknown.length > 0) {
        results.push({
          result: {
            check: "migrations",
            status: "fail",
            detail: `the database has migrations this myco does not know (${migrations.unknown.join(", ")})`,
            hint: "it was written by a newer myco: upgrade",
            fix: "npm install myco@latest"
          },
          exitCode: ExitCode.config
        })
      } else if (migrations.pending.length > 0) {
        results.push({
          result: {
            check: "migrations",
            status: "warn",
            detail: `pending: ${migrations.pending.join(", ")} (any myco command applies them)`,
            hint: "apply them now",
            fix: "myco doctor --fix"
          },
          repair: Effect.flatMap(Maintenance, (m) => m.migrate).pipe(
            Effect.map((done) => `applied migrations ${done.join(", ")}`),
            Effect.provide(context.openStores({ migrate: false }))
          )
        })
      } else if (integrity.ok) {
        results.push(ok("migrations", `up to date (${migrations.applied.length} applied)`))
        for (const check of storeChecks) results.push(...(yield* check(context)))
      } else {
        results.push(ok("migrations", `up to date (${migrations.applied.length} applied)`))
      }
      return results
    })
    return checks.pipe(
      Effect.provide(context.openStores({ migrate: false })),
      Effect.catchAll((e) =>
        Effect.succeed([
          e._tag === "SystemError" && e.code !== undefined && isCorruptionCode(e.code) ? damaged(context, errorText(e), found) : unusable(e)
        ])
      )
    )
  }
