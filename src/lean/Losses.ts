/**
 * Lost events: what a hook writes down when it could keep an event nowhere (the vault's spool, its
 * reserve and the fallback spool all refused it). The one thing that still fits on a full disk is
 * a file with nothing in it (an inode and a name, no data block), so a loss is an empty file whose
 * name says what was lost:
 *
 *   <hook start time, ms, 15 digits>.<idempotency id>.<agent>.<event>.<reason>
 *
 * created with O_EXCL in a private `lost/` directory (the vault's `spool/lost/`, else the fallback
 * folder's `lost/`). A marker is unique to its event, so the supervisor records each one once (by
 * its idempotency id) however often it reads them, then removes them; `myco status` and
 * `myco doctor` report what it recorded.
 *
 * Effect-free, and imports only Node's own modules: the hook bundles it.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { ensurePrivateDir, PRIVATE_FILE_MODE } from "./SafeFs.js"

/** The name of the loss markers' directory (in the vault's spool, and in the fallback folder). */
export const LOST_DIR = "lost"

/** Why an event was lost: no room anywhere, or no spool that could be used at all. */
export type LossReason = "disk-full" | "unwritable"

/** What a marker says. */
export interface LostMarker {
  readonly atMs: number
  readonly idempotencyId: string
  readonly agent: string
  readonly event: string
  readonly reason: LossReason
}

/** The name of a marker file. */
export const LOST_MARKER = /^(\d{15})\.([A-Za-z0-9_:@+-]{1,128})\.([a-z][a-z0-9-]{0,31})\.([A-Za-z0-9_-]{1,64})\.(disk-full|unwritable)$/

/** An event name as a marker spells it: what is not a letter, digit, `_` or `-` becomes `_`; at most 64. */
const markerEvent = (event: string): string => {
  const safe = event.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64)
  return safe === "" ? "unspecified" : safe
}

/** The file name of `marker` (its idempotency id must have no dot; the hook's never do). */
export const lostMarkerName = (marker: LostMarker): string =>
  `${String(Math.max(0, Math.floor(marker.atMs))).padStart(15, "0")}.${marker.idempotencyId}.${marker.agent}.${markerEvent(marker.event)}.${marker.reason}`

/** The marker a file name stands for, or undefined when it is not one. */
export const parseLostMarker = (name: string): LostMarker | undefined => {
  const match = LOST_MARKER.exec(name)
  if (match === null) return undefined
  const [, at, idempotencyId, agent, event, reason] = match
  if (at === undefined || idempotencyId === undefined || agent === undefined || event === undefined) return undefined
  if (reason !== "disk-full" && reason !== "unwritable") return undefined
  return { atMs: Number(at), idempotencyId, agent, event, reason }
}

/**
 * Writes down a lost event in `lostDir` (made a private directory of ours first): an empty file,
 * 0600, created exclusively and never through a link. Returns its path, or why it could not be
 * written. Never throws.
 */
export const recordLoss = (lostDir: string, marker: LostMarker): { readonly ok: true; readonly file: string } | { readonly ok: false; readonly reason: string } => {
  const dir = ensurePrivateDir(lostDir)
  if (!dir.ok) return { ok: false, reason: `${lostDir} ${dir.reason}` }
  const file = path.join(lostDir, lostMarkerName(marker))
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), PRIVATE_FILE_MODE))
    return { ok: true, file }
  } catch (error) {
    // EEXIST: this very event was written down already (a second signal while spooling).
    if (error instanceof Error && "code" in error && error.code === "EEXIST") return { ok: true, file }
    return { ok: false, reason: `cannot create ${file}: ${error instanceof Error ? error.message : String(error)}` }
  }
}
