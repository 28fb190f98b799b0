/**
 * The spool: where a hook leaves an event the supervisor could not take (not running, not
 * answering in time, or refusing the frame). One file per event, written to a temporary name,
 * flushed to disk, then renamed into place: a reader never sees half an event, and any number of
 * hooks can spool at once without a lock. The supervisor drains it in name order (the time the
 * hook started, then its idempotency id) and idempotency ids make a replay harmless.
 *
 * The spool also holds the vault's reserve (`.reserve`): space the supervisor sets aside while
 * there is plenty, so that a hook that finds the disk full can give some of it back and still
 * spool its event. The supervisor tops it up again once space returns.
 */
import { Buffer } from "node:buffer"
import * as fs from "node:fs"
import * as path from "node:path"
import { freeBytes, isNoSpace } from "./DiskSpace.js"
import { currentUid, ensurePrivateDir, isOwnedBy, PRIVATE_FILE_MODE, permissionBits, writePrivateAtomic } from "./SafeFs.js"

/** Files of the spool that are complete events; temporary files start with a dot. */
export const SPOOL_FILE = /^\d{15}-[A-Za-z0-9._:@+-]{1,128}\.json$/

/** The temporary files a writer leaves while it writes (lean/SafeFs.ts `writePrivateAtomic`). */
export const SPOOL_TEMP_FILE = /^\..+\.tmp$/

/** The spool file name of an event. */
export const spoolFileName = (atMs: number, idempotencyId: string): string =>
  `${String(Math.max(0, Math.floor(atMs))).padStart(15, "0")}-${idempotencyId}.json`

/**
 * Writes one event (its encoded request, as JSON text) into the spool durably: a private file
 * (0600) in a private directory of ours (0700, never followed through a link, never someone
 * else's: then it throws, saying why), flushed to disk, then renamed into place.
 */
export const spoolEvent = (spoolDir: string, atMs: number, idempotencyId: string, json: string): string => {
  const dir = ensurePrivateDir(spoolDir)
  if (!dir.ok) throw new Error(`the spool ${spoolDir} ${dir.reason}`)
  const file = path.join(spoolDir, spoolFileName(atMs, idempotencyId))
  writePrivateAtomic(file, json, { fsync: true })
  return file
}

// ---- the reserve ------------------------------------------------------------------------------

/** The reserve's name in the spool: a dot-file, so that it is never taken for an event. */
export const RESERVE_FILE = ".reserve"

/** How much of the reserve a hook gives back at least, so that one release serves many events. */
export const RESERVE_CHUNK_BYTES = 256 * 1024

/** How a file's size is rounded when it is given room: file systems allocate whole blocks. */
const BLOCK_BYTES = 64 * 1024

const C = fs.constants
const NOFOLLOW: number = C.O_NOFOLLOW ?? 0
const NONBLOCK: number = C.O_NONBLOCK ?? 0

const errorText = (error: unknown): string =>
  error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : error instanceof Error ? error.message : String(error)

/** Opens the reserve of `spoolDir` without following a link; it must be a regular file of ours. */
const openReserve = (spoolDir: string, flags: number): { readonly fd: number; readonly size: number } | { readonly problem: string } => {
  const file = path.join(spoolDir, RESERVE_FILE)
  let fd: number
  try {
    fd = fs.openSync(file, flags | NOFOLLOW | NONBLOCK, PRIVATE_FILE_MODE)
  } catch (error) {
    return { problem: `cannot open ${file}: ${errorText(error)}` }
  }
  try {
    const stat = fs.fstatSync(fd)
    if (!stat.isFile() || !isOwnedBy(stat, currentUid())) {
      fs.closeSync(fd)
      return { problem: `${file} is not a regular file of ours: left alone` }
    }
    if (currentUid() !== undefined && permissionBits(stat) !== PRIVATE_FILE_MODE) fs.fchmodSync(fd, PRIVATE_FILE_MODE)
    return { fd, size: stat.size }
  } catch (error) {
    fs.closeSync(fd)
    return { problem: `cannot inspect ${file}: ${errorText(error)}` }
  }
}

/** What giving back part of the reserve did. */
export type ReserveRelease = { readonly released: number; readonly left: number } | { readonly released: 0; readonly problem: string }

/**
 * Gives back part of the spool's reserve so that an event needing `bytes` fits: the reserve is
 * cut short by at least {@link RESERVE_CHUNK_BYTES} (so that the events that come next find room
 * too), never removed, and only when it is a regular file of ours. `released: 0` means there was
 * nothing (left) to give back, or why not. Never throws.
 */
export const releaseReserve = (spoolDir: string, bytes: number): ReserveRelease => {
  const opened = openReserve(spoolDir, C.O_RDWR)
  if ("problem" in opened) return { released: 0, problem: opened.problem }
  try {
    if (opened.size === 0) return { released: 0, problem: "the reserve is used up" }
    const cut = Math.max(RESERVE_CHUNK_BYTES, Math.ceil(bytes / BLOCK_BYTES) * BLOCK_BYTES)
    const left = Math.max(0, opened.size - cut)
    fs.ftruncateSync(opened.fd, left)
    return { released: opened.size - left, left }
  } catch (error) {
    return { released: 0, problem: `cannot cut the reserve short: ${errorText(error)}` }
  } finally {
    fs.closeSync(opened.fd)
  }
}

/** What topping the reserve up did. */
export type ReserveRefill =
  | { readonly _tag: "Full"; readonly size: number }
  | { readonly _tag: "Grown"; readonly from: number; readonly to: number }
  | { readonly _tag: "Removed" }
  | { readonly _tag: "NoRoom"; readonly size: number; readonly free: number | undefined }
  | { readonly _tag: "Refused"; readonly problem: string }

/**
 * Tops the spool's reserve up to `targetBytes` (0: no reserve, and one left over is removed), only
 * while the disk has room to spare: the reserve grows only when at least `targetBytes` stay free
 * after it did, so that it never takes the last free space from anyone. The space is written (with
 * zeros), not only promised, so that it is really there to give back. Never throws.
 */
export const refillReserve = (spoolDir: string, targetBytes: number): ReserveRefill => {
  const target = Math.max(0, Math.floor(targetBytes))
  if (target === 0) {
    try {
      const stat = fs.lstatSync(path.join(spoolDir, RESERVE_FILE))
      if (!stat.isFile() || !isOwnedBy(stat, currentUid())) return { _tag: "Refused", problem: `${path.join(spoolDir, RESERVE_FILE)} is not a regular file of ours: left alone` }
      fs.rmSync(path.join(spoolDir, RESERVE_FILE))
      return { _tag: "Removed" }
    } catch (error) {
      return typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"
        ? { _tag: "Full", size: 0 }
        : { _tag: "Refused", problem: `cannot remove the reserve: ${errorText(error)}` }
    }
  }
  const opened = openReserve(spoolDir, C.O_WRONLY | C.O_CREAT)
  if ("problem" in opened) return { _tag: "Refused", problem: opened.problem }
  try {
    if (opened.size >= target) return { _tag: "Full", size: opened.size }
    const free = freeBytes(spoolDir)
    if (free === undefined || free < target - opened.size + target) return { _tag: "NoRoom", size: opened.size, free }
    const zeros = Buffer.alloc(BLOCK_BYTES)
    let size = opened.size
    try {
      while (size < target) size += fs.writeSync(opened.fd, zeros, 0, Math.min(zeros.length, target - size), size)
    } catch (error) {
      // Someone else took the space meanwhile: give back what this pass took, and try later.
      fs.ftruncateSync(opened.fd, opened.size)
      if (isNoSpace(error)) return { _tag: "NoRoom", size: opened.size, free: freeBytes(spoolDir) }
      return { _tag: "Refused", problem: `cannot grow the reserve: ${errorText(error)}` }
    }
    return { _tag: "Grown", from: opened.size, to: size }
  } catch (error) {
    return { _tag: "Refused", problem: `cannot grow the reserve: ${errorText(error)}` }
  } finally {
    fs.closeSync(opened.fd)
  }
}
