/**
 * How SQLite failures map onto myco's failure classes (`../StoreFailure.ts`, whose retry policy
 * handles the transient ones). A busy or locked database is transient; so is a full disk (code
 * DISK_FULL: it lasts until space is freed, so it is not retried at once, but the supervisor pauses
 * and resumes by itself); a permission problem is the user's to fix (config); a corrupt or failing
 * disk is a system failure; anything else is a bug in myco (a defect), because our SQL is fixed
 * and well-formed.
 */
import { SqlError } from "@effect/sql/SqlError"
import { Effect, ParseResult } from "effect"
import { ConfigError, DISK_FULL, SystemError, TransientError } from "../../domain/Failure.js"
import type { StoreFailure } from "../StoreFailure.js"

/** The SQLite error code (e.g. `SQLITE_BUSY_SNAPSHOT`) behind a failure, when there is one. */
export const sqliteCode = (u: unknown): string | undefined => {
  let current: unknown = u
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (typeof current === "object" && "code" in current && typeof current.code === "string" && current.code.startsWith("SQLITE_")) {
      return current.code
    }
    current = typeof current === "object" && "cause" in current ? current.cause : undefined
  }
  return undefined
}

const messageOf = (u: unknown): string => {
  let current: unknown = u
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (typeof current === "object" && "cause" in current && current.cause instanceof Error) current = current.cause
    else break
  }
  return current instanceof Error ? current.message : String(current)
}

/** What to do about a damaged vault database. */
export const DAMAGE_HINT =
  "the vault database is damaged: myco will not use it until it is rebuilt from what is readable in it (and in the emergency backup, when the supervisor took one); the damaged file is kept in .myco/backups/"

/** The command that rebuilds a damaged vault database. */
export const DAMAGE_FIX = "myco doctor --fix"

/** Codes that say the database file itself is damaged or not ours any more (SQLite's, and the file watch's). */
export const isCorruptionCode = (code: string): boolean =>
  code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB" || code.startsWith("MYCO_DB_")

/**
 * Codes after which nothing more may be acknowledged from this database: damage, and a disk that
 * fails to read or write it (SQLITE_IOERR). A full disk is not among them: writes fail by
 * themselves there, and start working again once there is room.
 */
export const isDamageCode = (code: string): boolean => isCorruptionCode(code) || code.startsWith("SQLITE_IOERR")

/** Classifies a SQLite failure; returns undefined when it is not one we can classify. */
export const classifySqlite = (
  operation: string,
  resource: string,
  u: unknown
): StoreFailure | undefined => {
  const code = sqliteCode(u)
  if (code === undefined) return undefined
  const message = messageOf(u)
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new TransientError({ operation, message, code })
  }
  if (code === "SQLITE_FULL") {
    return new TransientError({ operation, message: `${message} (${code}): the disk of ${resource} is full`, code: DISK_FULL })
  }
  if (
    code.startsWith("SQLITE_READONLY") ||
    code.startsWith("SQLITE_CANTOPEN") ||
    code === "SQLITE_PERM" ||
    code === "SQLITE_AUTH"
  ) {
    return new ConfigError({
      message: `cannot write the vault database ${resource}: ${message} (${code})`,
      hint: "check that you own the vault directory and that it is writable",
      fix: "myco doctor",
      path: resource
    })
  }
  if (isCorruptionCode(code)) {
    return new SystemError({ operation, message: `${message} (${code})`, code, resource, hint: DAMAGE_HINT, fix: DAMAGE_FIX })
  }
  if (
    code.startsWith("SQLITE_IOERR") ||
    code === "SQLITE_NOMEM"
  ) {
    return new SystemError({ operation, message: `${message} (${code})`, code, resource })
  }
  return undefined
}

/**
 * Turns SqlErrors (and defects thrown by the driver) into failure classes. SQL errors we cannot
 * classify are defects: our statements are fixed, so they mean a bug.
 */
export const mapSqlErrors =
  (operation: string, resource: string) =>
  <A, E, R>(self: Effect.Effect<A, E | SqlError, R>): Effect.Effect<A, Exclude<E, SqlError> | StoreFailure, R> =>
    self.pipe(
      Effect.catchIf(
        (e): e is SqlError => e instanceof SqlError,
        (e) => {
          const classified = classifySqlite(operation, resource, e)
          return classified === undefined ? Effect.die(e) : Effect.fail(classified)
        }
      ),
      Effect.catchAllDefect((defect) => {
        const classified = classifySqlite(operation, resource, defect)
        return classified === undefined ? Effect.die(defect) : Effect.fail(classified)
      })
    )

/** Rows that do not match their schema mean the file was changed behind our back: a SystemError. */
export const corruptRows =
  (filename: string, table: string) =>
  (error: ParseResult.ParseError): SystemError =>
    new SystemError({
      operation: `sqlite.read.${table}`,
      message: `unexpected data in table ${table}: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
      code: "MYCO_BAD_ROW",
      resource: filename
    })
