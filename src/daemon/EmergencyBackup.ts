/**
 * The emergency backup a supervisor takes when its tree gives up (a system failure reached the
 * root): a copy of the database in `backups/emergency-<time>.db`, made with SQLite's online backup.
 * When the disk of `backups/` plainly has no room for it, it is not tried (a half-written copy
 * would only take the last free space): the outcome says so, with what it needs and what there is.
 * A backup that fails anyway says why, and leaves no partial file behind.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Either } from "effect"
import { formatBytes, freeBytes } from "../lean/DiskSpace.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import type { VaultPaths } from "../vault/Vault.js"

/** What became of the emergency backup. */
export type BackupOutcome =
  | { readonly _tag: "Written"; readonly file: string }
  | { readonly _tag: "Skipped"; readonly reason: string }
  | { readonly _tag: "Failed"; readonly reason: string }

/** Room a copy needs beyond the database's own size (SQLite's backup writes whole pages, and a header). */
const MARGIN_BYTES = 64 * 1024

/**
 * Whether a copy of `needBytes` fits in `haveBytes` free (with a margin); unknown free space is
 * given the benefit of the doubt. The reason, when it does not fit, is for people.
 */
export const backupFits = (dir: string, needBytes: number, haveBytes: number | undefined): { readonly fits: true } | { readonly fits: false; readonly reason: string } =>
  haveBytes === undefined || haveBytes >= needBytes + MARGIN_BYTES
    ? { fits: true }
    : { fits: false, reason: `not enough free space in ${dir} (need ${formatBytes(needBytes + MARGIN_BYTES)}, have ${formatBytes(haveBytes)})` }

const sizeOf = (file: string): number => {
  try {
    return fs.statSync(file).size
  } catch {
    // No such file (a WAL that was checkpointed away): it takes no room in the copy.
    return 0
  }
}

/** The file name of an emergency backup taken at `at`. */
export const emergencyBackupFile = (paths: VaultPaths, at: Date): string =>
  path.join(paths.backups, `emergency-${at.toISOString().replace(/[:.]/g, "-")}.db`)

/** Whether a copy of the vault's database (and its log) fits in `backups/` now. */
export const backupRoom = (paths: VaultPaths): { readonly fits: true } | { readonly fits: false; readonly reason: string } =>
  backupFits(paths.backups, sizeOf(paths.db) + sizeOf(`${paths.db}-wal`), freeBytes(paths.backups))

/** Takes the emergency backup with `backup` (the store's online backup), when it fits. */
export const emergencyBackup = (
  paths: VaultPaths,
  backup: (file: string) => Effect.Effect<void, StoreFailure>
): Effect.Effect<BackupOutcome> =>
  Effect.gen(function* () {
    const room = backupRoom(paths)
    if (!room.fits) return { _tag: "Skipped", reason: room.reason } satisfies BackupOutcome
    const file = emergencyBackupFile(paths, new Date())
    const done = yield* Effect.either(backup(file))
    if (Either.isRight(done)) return { _tag: "Written", file } satisfies BackupOutcome
    const cleaned = yield* Effect.either(Effect.try(() => fs.rmSync(file, { force: true })))
    const leftover = Either.isLeft(cleaned) ? `; the partial copy ${file} could not be removed: ${String(cleaned.left.error)}` : ""
    return { _tag: "Failed", reason: `${done.left.message}${leftover}` } satisfies BackupOutcome
  })
