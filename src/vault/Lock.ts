/**
 * The vault lock: at most one supervisor per vault. It is an exclusive SQLite transaction held on
 * `run/lock` for the supervisor's lifetime. SQLite takes it with POSIX advisory locks, which the
 * kernel releases when the process ends however it ends (kill -9 included), so a crashed
 * supervisor never leaves a lock behind and no pid is ever trusted. Two processes that start in
 * the same millisecond cannot both get it.
 *
 * The lock file itself is never removed: unlinking it while another process holds or is taking
 * the lock would let a third take a second lock on a new file.
 */
import * as fs from "node:fs"
import Database from "better-sqlite3"
import { Effect, Schema, type Scope } from "effect"
import { ConfigError } from "../domain/Failure.js"
import { runFiles } from "./RunFiles.js"
import type { VaultPaths } from "./Vault.js"

/** How long taking the lock waits for a contender that is itself only taking it. */
const LOCK_WAIT_MS = 250

/** Another process holds the vault lock: a supervisor runs (or is starting) for this vault. */
export class LockHeld extends Schema.TaggedError<LockHeld>()("LockHeld", { lock: Schema.String }) {
  override get message(): string {
    return `the vault lock ${this.lock} is held by another process (a supervisor runs for this vault)`
  }
}

/** A held vault lock. */
export interface VaultLock {
  readonly release: () => void
}

const isBusy = (cause: unknown): boolean =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" && cause.code.startsWith("SQLITE_BUSY")

/**
 * Takes the vault lock without waiting: the lock, or "held" when another process has it.
 * Throws on anything else (an unwritable run/ directory).
 */
export const tryLockVault = (paths: VaultPaths): VaultLock | "held" => {
  fs.mkdirSync(paths.run, { recursive: true, mode: 0o700 })
  // A short busy timeout, not none: two processes taking the lock at the same moment briefly
  // hold shared locks of each other's way, and with no wait both would give up.
  const db = new Database(runFiles(paths).lock, { timeout: LOCK_WAIT_MS })
  try {
    // Nothing is ever written: keep the rollback journal in memory, not as a file beside the lock.
    db.pragma("journal_mode = MEMORY")
    db.exec("BEGIN EXCLUSIVE")
  } catch (cause) {
    db.close()
    if (isBusy(cause)) return "held"
    throw cause
  }
  return {
    release: () => {
      db.exec("ROLLBACK")
      db.close()
    }
  }
}

/** Whether a supervisor holds the vault lock now (checked by trying to take it, and letting go). */
export const isLockHeld = (paths: VaultPaths): boolean => {
  const lock = tryLockVault(paths)
  if (lock === "held") return true
  lock.release()
  return false
}

/** Takes the vault lock for the life of the scope, or fails with LockHeld. */
export const acquireVaultLock = (
  paths: VaultPaths
): Effect.Effect<void, LockHeld | ConfigError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => tryLockVault(paths),
      catch: (cause) =>
        new ConfigError({
          message: `cannot take the vault lock ${runFiles(paths).lock}: ${cause instanceof Error ? cause.message : String(cause)}`,
          hint: "check that the vault's run/ directory is yours and writable",
          fix: "myco doctor",
          path: runFiles(paths).lock
        })
    }).pipe(Effect.flatMap((lock) => (lock === "held" ? Effect.fail(new LockHeld({ lock: runFiles(paths).lock })) : Effect.succeed(lock)))),
    (lock) => Effect.sync(() => lock.release())
  ).pipe(Effect.asVoid)
