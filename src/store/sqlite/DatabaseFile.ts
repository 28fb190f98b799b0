/**
 * The watch on the vault database's file while it is open. SQLite reads through its page cache
 * and writes to the write-ahead log, so a database file truncated, deleted, replaced or overwritten
 * under a running process goes unseen: commits keep succeeding (into the log, or into a file no
 * path leads to) and would be acknowledged, then lost. This module makes the file's health part
 * of every write:
 *
 * - Identity: on open the file's device and inode, size and modification time are recorded. After
 *   every committed write (before the caller acknowledges it) the file is stat'ed again (a few
 *   microseconds): gone, another inode at the path, or smaller than before is damage (SQLite never
 *   shrinks it here: nothing runs VACUUM). In the process that holds the vault lock (the
 *   supervisor, the `owner`), every write to the file is its own checkpoint, so a size or time
 *   that changed otherwise means another process wrote it: damage too.
 * - Structure: `PRAGMA quick_check(1)` on a fresh read-only connection, so that pages are read
 *   from the file and the log, not from this connection's cache (which would answer for what the
 *   file used to be). It stops at the first problem; it reads the whole file when there is none.
 * - Checkpoints: the owner turns SQLite's automatic checkpoints off and checkpoints itself (on a
 *   schedule, and after a commit once the log passes 4 MiB), checking the file before and after,
 *   with a fresh connection reading the header afterwards.
 *
 * The first damage found condemns the file: from then on every write fails at once with the same
 * SystemError (nothing more is acknowledged), while reads still work for the emergency copy. Any
 * SQLite failure that says corrupt, not a database, or an I/O error condemns it as well.
 *
 * The file itself is never opened here with `fs`: closing a descriptor of a file releases every
 * POSIX lock the process holds on it, SQLite's included. Only stat, and SQLite's own connections.
 */
import * as fs from "node:fs"
import { SqlClient } from "@effect/sql/SqlClient"
import Database from "better-sqlite3"
import { Effect, Option, Ref } from "effect"
import { SystemError } from "../../domain/Failure.js"
import type { StoreFailure } from "../StoreFailure.js"
import { DAMAGE_FIX, DAMAGE_HINT, isCorruptionCode, isDamageCode, mapSqlErrors, sqliteCode } from "./SqliteErrors.js"

/** The owner checkpoints once the write-ahead log is larger than this (SQLite's own default, 1000 pages of 4 KiB). */
export const WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024

/** What is recorded of the file. */
export interface FileIdentity {
  readonly dev: bigint
  readonly ino: bigint
  readonly size: bigint
  readonly mtimeNs: bigint
}

/** What a look at the file found wrong, or that it is as recorded. */
export type FileVerdict =
  | { readonly _tag: "Same" }
  | { readonly _tag: "Damaged"; readonly code: string; readonly message: string }

/** The file's identity now, or undefined when nothing is at the path. */
export const identityOf = (file: string): FileIdentity | undefined => {
  const stat = fs.statSync(file, { bigint: true, throwIfNoEntry: false })
  return stat === undefined ? undefined : { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs }
}

/**
 * Compares the file at the path with what was recorded. `exclusive`: this process is the only one
 * that writes the file (it holds the vault lock), so any change of size or time is foreign.
 */
export const compareIdentity = (file: string, recorded: FileIdentity, now: FileIdentity | undefined, exclusive: boolean): FileVerdict => {
  if (now === undefined) {
    return { _tag: "Damaged", code: "MYCO_DB_MISSING", message: `the database file ${file} was deleted while in use` }
  }
  if (now.dev !== recorded.dev || now.ino !== recorded.ino) {
    return {
      _tag: "Damaged",
      code: "MYCO_DB_REPLACED",
      message: `${file} is no longer the file that was opened (it was replaced or moved: inode ${recorded.ino} became ${now.ino})`
    }
  }
  if (now.size < recorded.size) {
    return { _tag: "Damaged", code: "MYCO_DB_TRUNCATED", message: `the database file ${file} shrank from ${recorded.size} to ${now.size} bytes while in use` }
  }
  if (exclusive && (now.size !== recorded.size || now.mtimeNs !== recorded.mtimeNs)) {
    return {
      _tag: "Damaged",
      code: "MYCO_DB_WRITTEN",
      message: `the database file ${file} was written by another process while the supervisor held it (only the supervisor writes it; size ${recorded.size} -> ${now.size} bytes)`
    }
  }
  return { _tag: "Same" }
}

/** What a fresh read of the file found: nothing wrong, or the problem in words (and SQLite's code). */
export type FreshRead = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly problem: string }

const errorText = (u: unknown): string => (u instanceof Error ? u.message : String(u))

/**
 * Opens `file` read-only on a connection of its own and runs `pragma`: its pages come from the file
 * and its log, not from any cache of this process. `quick_check(1)` checks the structure (bounded:
 * it stops at the first problem), `schema_version` only reads the header and the schema.
 */
export const freshRead = (file: string, pragma: "quick_check(1)" | "schema_version"): FreshRead => {
  let db: Database.Database | undefined
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const rows: unknown = db.pragma(pragma)
    if (pragma === "schema_version") return { ok: true }
    const verdict = Array.isArray(rows)
      ? rows.map((row: unknown) => (typeof row === "object" && row !== null && "quick_check" in row ? String(row.quick_check) : String(row)))
      : [String(rows)]
    return verdict.length === 1 && verdict[0] === "ok"
      ? { ok: true }
      : { ok: false, code: "MYCO_DB_QUICK_CHECK", problem: `PRAGMA quick_check: ${verdict.join("; ").replace(/\s+/g, " ").slice(0, 500)}` }
  } catch (cause) {
    return { ok: false, code: sqliteCode(cause) ?? "MYCO_DB_UNREADABLE", problem: `${errorText(cause)} (${sqliteCode(cause) ?? "unreadable"})` }
  } finally {
    db?.close()
  }
}

/** The watch on the open database's file. */
export interface DatabaseFileService {
  readonly filename: string
  /** Fails with the SystemError that condemned the file, once one did; every write starts with it. */
  readonly usable: Effect.Effect<void, SystemError>
  /**
   * After a write committed, before anyone is told: the file is still the one opened, and whole
   * (and, for the owner, checkpointed once the log is large). Fails, and condemns the file, when not.
   */
  readonly afterCommit: (operation: string) => Effect.Effect<void, StoreFailure>
  /** The identity check alone. */
  readonly verify: (operation: string) => Effect.Effect<void, SystemError>
  /** A checkpoint (PASSIVE), with the file checked before and after. */
  readonly checkpoint: Effect.Effect<void, StoreFailure>
  /** `PRAGMA quick_check(1)` on a fresh connection; a problem condemns the file. */
  readonly quickCheck: (operation: string) => Effect.Effect<void, SystemError>
  /** Condemns the file when `failure` says it is damaged (corrupt, not a database, I/O error). */
  readonly observe: (failure: unknown) => Effect.Effect<void>
  /** The failure that condemned the file, if one did. */
  readonly condemned: Effect.Effect<Option.Option<SystemError>>
  /**
   * Everything wrong with the file that can be seen now, in words, and whether it is damaged (an
   * I/O error alone condemns the file for this process but does not say the file is damaged).
   * Never fails, condemns nothing.
   */
  readonly inspect: Effect.Effect<{ readonly damaged: boolean; readonly replaced: boolean; readonly findings: ReadonlyArray<string> }>
}

const damage = (operation: string, file: string, code: string, message: string): SystemError =>
  new SystemError({ operation, message: `${message} (${code})`, code, resource: file, hint: DAMAGE_HINT, fix: DAMAGE_FIX })

/**
 * Makes the watch of `file`, opened on `sql`, recording its identity now. `owner`: this process
 * holds the vault lock and is the only one that writes the file (see above).
 */
export const makeDatabaseFile = (
  file: string,
  owner: boolean
): Effect.Effect<DatabaseFileService, StoreFailure, SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const recorded = yield* Ref.make<FileIdentity | undefined>(identityOf(file))
    const condemnation = yield* Ref.make<Option.Option<SystemError>>(Option.none())

    const condemn = (error: SystemError) =>
      Effect.zipRight(
        Ref.update(condemnation, (current) => (Option.isSome(current) ? current : Option.some(error))),
        Effect.flatMap(Ref.get(condemnation), (first) => Effect.fail(Option.getOrElse(first, () => error)))
      )

    const usable = Effect.flatMap(Ref.get(condemnation), Option.match({ onNone: () => Effect.void, onSome: Effect.fail }))

    const observe = (failure: unknown) =>
      failure instanceof SystemError && failure.code !== undefined && isDamageCode(failure.code)
        ? Ref.update(condemnation, (current) => (Option.isSome(current) ? current : Option.some(failure)))
        : Effect.void

    const verify = (operation: string) =>
      Effect.gen(function* () {
        const before = yield* Ref.get(recorded)
        const now = identityOf(file)
        if (before === undefined) {
          // Opened while nothing was at the path (a new file): record what SQLite made.
          yield* Ref.set(recorded, now)
          return
        }
        const verdict = compareIdentity(file, before, now, owner)
        if (verdict._tag === "Damaged") return yield* condemn(damage(operation, file, verdict.code, verdict.message))
      })

    /** Records the file as this process's own checkpoint left it, and reads its header afresh. */
    const afterCheckpoint = (operation: string) =>
      Effect.gen(function* () {
        const before = yield* Ref.get(recorded)
        const now = identityOf(file)
        if (before !== undefined) {
          // A checkpoint only ever grows the file: compare as if another process could have written it.
          const verdict = compareIdentity(file, before, now, false)
          if (verdict._tag === "Damaged") return yield* condemn(damage(operation, file, verdict.code, verdict.message))
        }
        const header = freshRead(file, "schema_version")
        if (!header.ok) return yield* condemn(damage(operation, file, header.code, `the database file ${file} cannot be read afresh: ${header.problem}`))
        yield* Ref.set(recorded, now)
      })

    const quickCheck = (operation: string) =>
      Effect.suspend(() => {
        const read = freshRead(file, "quick_check(1)")
        return read.ok ? Effect.void : condemn(damage(operation, file, read.code, `the database file ${file} is damaged: ${read.problem}`))
      })

    const runCheckpoint = (operation: string) =>
      Effect.gen(function* () {
        yield* usable
        yield* verify(operation)
        yield* sql`PRAGMA wal_checkpoint(PASSIVE)`.pipe(mapSqlErrors(operation, file))
        yield* afterCheckpoint(operation)
      }).pipe(Effect.tapError(observe))

    const walIsLarge = (): boolean => {
      const wal = fs.statSync(`${file}-wal`, { throwIfNoEntry: false })
      return wal !== undefined && wal.size > WAL_CHECKPOINT_BYTES
    }

    const afterCommit = (operation: string) =>
      Effect.gen(function* () {
        yield* verify(operation)
        if (owner && walIsLarge()) {
          yield* runCheckpoint(`${operation}.checkpoint`).pipe(
            // A checkpoint that fails may have met a damaged page: look at the whole file.
            Effect.catchAll((failure) => Effect.zipRight(quickCheck(`${operation}.checkpoint`), Effect.fail(failure)))
          )
        }
      })

    const inspect = Effect.gen(function* () {
      const findings: Array<string> = []
      let damaged = false
      let replaced = false
      const first = yield* Ref.get(condemnation)
      if (Option.isSome(first)) {
        findings.push(first.value.message)
        damaged = first.value.code !== undefined && isCorruptionCode(first.value.code)
        replaced = first.value.code === "MYCO_DB_MISSING" || first.value.code === "MYCO_DB_REPLACED"
      }
      const before = yield* Ref.get(recorded)
      const verdict = before === undefined ? undefined : compareIdentity(file, before, identityOf(file), owner)
      if (verdict?._tag === "Damaged") {
        damaged = true
        replaced = replaced || verdict.code === "MYCO_DB_MISSING" || verdict.code === "MYCO_DB_REPLACED"
        if (!findings.some((f) => f.includes(verdict.code))) findings.push(`${verdict.message} (${verdict.code})`)
      }
      // Another file at the path says nothing about the one in use: read the file only when it is ours.
      if (!replaced) {
        const read = freshRead(file, "quick_check(1)")
        if (!read.ok) {
          damaged = true
          findings.push(read.problem)
        }
      }
      return { damaged, replaced, findings }
    })

    return {
      filename: file,
      usable,
      afterCommit,
      verify,
      checkpoint: runCheckpoint("sqlite.checkpoint"),
      quickCheck,
      observe,
      condemned: Ref.get(condemnation),
      inspect
    }
  })
