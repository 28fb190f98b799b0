/**
 * `.myco/damaged.json`: what the supervisor found when the vault database was damaged under it.
 * It is written (0600, atomically, flushed) before the supervisor exits, and it keeps every later
 * `myco run` from serving on the damaged file (whose damage may not even show on open: a deleted
 * or replaced file is a new, empty, healthy-looking one) until `myco doctor --fix` has rebuilt the
 * database and put the record aside with its damaged file. A record that cannot be read still
 * says that the database was found damaged.
 */
import * as fs from "node:fs"
import { Effect, Either, ParseResult, Schema } from "effect"
import { SystemError } from "../domain/Failure.js"
import { readVaultFile, writePrivateAtomic } from "../lean/SafeFs.js"
import type { VaultPaths } from "./Vault.js"

/** What the supervisor's emergency copy of the damaged database became. */
export const EmergencyBackupRecord = Schema.Struct({
  /** `copy`: a whole copy that passed its check; `salvage`: what could be read, row by row; `none`: neither could be made. */
  kind: Schema.Literal("copy", "salvage", "none"),
  /** The file, in .myco/backups/ (null for `none`). */
  file: Schema.NullOr(Schema.String),
  /** What happened, in words (the problems, for a salvage or none). */
  note: Schema.String,
  /** The rows of each table in it, and how many are known lost (null: unknown, the table could not be read). */
  tables: Schema.Array(Schema.Struct({ table: Schema.String, rows: Schema.Int, lost: Schema.NullOr(Schema.Int) }))
})
export type EmergencyBackupRecord = typeof EmergencyBackupRecord.Type

/** The record of a damaged vault database. */
export const DamageRecord = Schema.Struct({
  detectedAt: Schema.String,
  /** The supervisor that found it. */
  pid: Schema.Int,
  /** What was found, first thing first. */
  findings: Schema.Array(Schema.String),
  /** The file at the database's path is not the one the supervisor had open (deleted, or replaced): it holds none of the vault's data. */
  replaced: Schema.Boolean,
  emergencyBackup: EmergencyBackupRecord
})
export type DamageRecord = typeof DamageRecord.Type

const decodeRecord = Schema.decodeUnknownEither(Schema.parseJson(DamageRecord))

/** What there is of a damage record: none, one, or a file that is not one (damage all the same). */
export type FoundDamage =
  | { readonly _tag: "None" }
  | { readonly _tag: "Recorded"; readonly record: DamageRecord }
  | { readonly _tag: "Unreadable"; readonly problem: string }

/** Reads the vault's damage record. */
export const readDamageRecord = (paths: VaultPaths): FoundDamage => {
  const read = readVaultFile(paths.damaged, { maxBytes: 1024 * 1024 })
  if (!read.ok) return read.reason === "missing" ? { _tag: "None" } : { _tag: "Unreadable", problem: `${paths.damaged}: ${read.message}` }
  const decoded = decodeRecord(read.text)
  return Either.isRight(decoded)
    ? { _tag: "Recorded", record: decoded.right }
    : { _tag: "Unreadable", problem: `${paths.damaged} is not a damage record: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left).split("\n")[0] ?? ""}` }
}

/** Writes the vault's damage record (0600, atomically, flushed to disk). Throws the file system's error. */
export const writeDamageRecord = (paths: VaultPaths, record: DamageRecord): void =>
  writePrivateAtomic(paths.damaged, JSON.stringify(Schema.encodeSync(DamageRecord)(record), null, 2) + "\n", { fsync: true })

/** Moves the damage record to `file` (beside the damaged database it describes), if there is one. */
export const putDamageRecordAside = (paths: VaultPaths, file: string): boolean => {
  if (!fs.existsSync(paths.damaged)) return false
  fs.renameSync(paths.damaged, file)
  return true
}

/** The first line of what a damage record says, for messages. */
export const describeDamage = (found: Exclude<FoundDamage, { readonly _tag: "None" }>): string =>
  found._tag === "Unreadable"
    ? `the vault database was found damaged (its record is unreadable: ${found.problem})`
    : `the vault database was found damaged by the supervisor (pid ${found.record.pid}) at ${found.record.detectedAt}: ${found.record.findings[0] ?? "no detail"}`

/**
 * Fails, with the command that repairs it, when the vault's database was found damaged: the
 * supervisor and the commands that work on the database directly do not use it until it is
 * rebuilt (`myco doctor` reads it, to say so).
 */
export const refuseRecordedDamage = (paths: VaultPaths): Effect.Effect<void, SystemError> =>
  Effect.suspend(() => {
    const found = readDamageRecord(paths)
    if (found._tag === "None") return Effect.void
    return Effect.fail(
      new SystemError({
        operation: "vault.open",
        message: `${describeDamage(found)}; myco will not use it until it is rebuilt`,
        code: "MYCO_DB_DAMAGED",
        resource: paths.db,
        hint: "`myco doctor --fix` rebuilds it from every row that can be read (and from the emergency backup); until then hooks keep their events in the spool, and the rebuilt database receives them",
        fix: "myco doctor --fix"
      })
    )
  })
