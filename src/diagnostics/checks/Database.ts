/**
 * The vault database: it exists and opens, passes the backend's integrity check, and its schema
 * is this myco's (pending migrations are applied by `--fix` or any other command; unknown ones
 * mean a newer myco wrote it). Once it is open and current, the checks that read the stores run
 * on it; any store failure on the way is reported here, once, with what to do about it.
 */
import * as fs from "node:fs"
import { Effect, Layer } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { Maintenance } from "../../store/Maintenance.js"
import type { StoreFailure } from "../../store/StoreFailure.js"
import { type Check, type Diagnosis, errorText, ok, type StoreDiagnosis } from "../Check.js"

/** A store that could not be read: damaged, or not ours to read. */
const unusable = (e: StoreFailure): Check => ({
  result: {
    check: "database",
    status: "fail",
    detail: errorText(e),
    hint:
      e._tag === "SystemError"
        ? "the file is damaged or not a database; move it aside and restore from .myco/backups/ if there is a backup"
        : "check the database file's permissions",
    fix: e._tag === "ConfigError" ? e.fix : "myco doctor"
  },
  exitCode: e._tag === "SystemError" ? ExitCode.software : ExitCode.config
})

/** The database checks, then `storeChecks` in order once the schema is current. */
export const database =
  (storeChecks: ReadonlyArray<StoreDiagnosis>): Diagnosis =>
  (context) => {
    const db = context.vault.paths.db
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
                hint: "the database is damaged; stop every myco process, keep a copy of .myco/myco.db, and recover it with sqlite3's .recover",
                fix: `sqlite3 ${db} .recover | sqlite3 ${db}.recovered`
              },
              exitCode: ExitCode.software
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
      } else {
        results.push(ok("migrations", `up to date (${migrations.applied.length} applied)`))
        for (const check of storeChecks) results.push(...(yield* check(context)))
      }
      return results
    })
    return checks.pipe(
      Effect.provide(context.openStores({ migrate: false })),
      Effect.catchAll((e) => Effect.succeed([unusable(e)]))
    )
  }
