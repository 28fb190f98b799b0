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
 * Even an empty file needs an inode and room for its name in the directory, which a full disk
 * may not have (no inode left; a directory block full of names). So each `lost/` also holds a
 * ledger the supervisor writes ahead of need: a file of fixed size whose blocks are all written,
 * which a hook only overwrites in place (no new block is needed for that on a file system that
 * does not copy on write). It counts losses per slot, the slot chosen by the hook's pid (two hooks
 * running at once never share a pid, so they collide only when their pids are 1024 apart, and then
 * one count may be lost); counts only grow, and the supervisor records the highest count it saw
 * per slot, so reading a ledger twice counts nothing twice.
 *
 * Effect-free, and imports only Node's own modules: the hook bundles it.
 */
import { Buffer } from "node:buffer"
import * as fs from "node:fs"
import * as path from "node:path"
import { currentUid, ensurePrivateDir, isOwnedBy, PRIVATE_FILE_MODE, writePrivateAtomic } from "./SafeFs.js"

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

// ---- the ledger -------------------------------------------------------------------------------

/** The ledger's name in a `lost/` directory. */
export const LEDGER_FILE = "ledger"

/** The ledger's slots: a hook counts in the slot of its pid, modulo this. */
export const LEDGER_SLOTS = 1024

const MAGIC = "mycolst1"
const HEADER_BYTES = 16
/** A slot: losses for want of space (u32), other losses (u32), the last one's time (f64 ms). */
const SLOT_BYTES = 16

/** The ledger's exact size. */
export const LEDGER_BYTES = HEADER_BYTES + LEDGER_SLOTS * SLOT_BYTES

/** The counts of one slot of a ledger. */
export interface LedgerSlot {
  readonly slot: number
  readonly diskFull: number
  readonly unwritable: number
  readonly lastMs: number
}

/** What a ledger holds: its generation (a new ledger starts a new one) and its slots that counted. */
export interface Ledger {
  readonly generation: string
  readonly slots: ReadonlyArray<LedgerSlot>
}

const C = fs.constants
const NOFOLLOW: number = C.O_NOFOLLOW ?? 0
const NONBLOCK: number = C.O_NONBLOCK ?? 0

/** Opens the ledger of `lostDir` without following a link; it must be a regular file of ours, of the ledger's size. */
const openLedger = (lostDir: string, flags: number): { readonly fd: number } | { readonly problem: string } => {
  const file = path.join(lostDir, LEDGER_FILE)
  let fd: number
  try {
    fd = fs.openSync(file, flags | NOFOLLOW | NONBLOCK)
  } catch (error) {
    return { problem: `cannot open ${file}: ${error instanceof Error ? error.message : String(error)}` }
  }
  let stat: fs.Stats
  try {
    stat = fs.fstatSync(fd)
  } catch (error) {
    fs.closeSync(fd)
    return { problem: `cannot inspect ${file}: ${error instanceof Error ? error.message : String(error)}` }
  }
  if (!stat.isFile() || !isOwnedBy(stat, currentUid()) || stat.size !== LEDGER_BYTES) {
    fs.closeSync(fd)
    return { problem: `${file} is not a ledger of ours: left alone` }
  }
  return { fd }
}

/**
 * Makes the ledger of `lostDir` when there is none (all of it written, 0600, renamed into place):
 * `generation` (16 hex digits) names it. Throws the file system's error (a full disk).
 */
export const createLedger = (lostDir: string, generation: string): void => {
  const data = Buffer.alloc(LEDGER_BYTES)
  data.write(MAGIC, 0, "latin1")
  data.write(generation.padEnd(16, "0").slice(0, 16), 8, 8, "hex")
  writePrivateAtomic(path.join(lostDir, LEDGER_FILE), data, { fsync: true })
}

/** Reads the ledger of `lostDir`: undefined when there is none, or why it is not one. */
export const readLedger = (lostDir: string): Ledger | undefined | { readonly problem: string } => {
  if (!fs.existsSync(path.join(lostDir, LEDGER_FILE))) return undefined
  const opened = openLedger(lostDir, C.O_RDONLY)
  if ("problem" in opened) return opened
  try {
    const data = Buffer.alloc(LEDGER_BYTES)
    let read = 0
    while (read < LEDGER_BYTES) {
      const n = fs.readSync(opened.fd, data, read, LEDGER_BYTES - read, read)
      if (n === 0) break
      read += n
    }
    if (read !== LEDGER_BYTES || data.toString("latin1", 0, 8) !== MAGIC) return { problem: `${path.join(lostDir, LEDGER_FILE)} is not a ledger: left alone` }
    const slots: Array<LedgerSlot> = []
    for (let slot = 0; slot < LEDGER_SLOTS; slot++) {
      const at = HEADER_BYTES + slot * SLOT_BYTES
      const diskFull = data.readUInt32LE(at)
      const unwritable = data.readUInt32LE(at + 4)
      if (diskFull + unwritable > 0) slots.push({ slot, diskFull, unwritable, lastMs: data.readDoubleLE(at + 8) })
    }
    return { generation: data.toString("hex", 8, 16), slots }
  } finally {
    fs.closeSync(opened.fd)
  }
}

/**
 * Counts one lost event in the ledger of `lostDir`, overwriting its slot in place (no block is
 * added to the file). Never throws.
 */
export const countInLedger = (lostDir: string, reason: LossReason, pid: number, nowMs: number): { readonly ok: true; readonly file: string } | { readonly ok: false; readonly reason: string } => {
  const file = path.join(lostDir, LEDGER_FILE)
  const opened = openLedger(lostDir, C.O_RDWR)
  if ("problem" in opened) return { ok: false, reason: opened.problem }
  try {
    const at = HEADER_BYTES + (Math.abs(Math.floor(pid)) % LEDGER_SLOTS) * SLOT_BYTES
    const slot = Buffer.alloc(SLOT_BYTES)
    if (fs.readSync(opened.fd, slot, 0, SLOT_BYTES, at) !== SLOT_BYTES) return { ok: false, reason: `${file} is cut short` }
    const field = reason === "disk-full" ? 0 : 4
    slot.writeUInt32LE((slot.readUInt32LE(field) + 1) >>> 0, field)
    slot.writeDoubleLE(nowMs, 8)
    if (fs.writeSync(opened.fd, slot, 0, SLOT_BYTES, at) !== SLOT_BYTES) return { ok: false, reason: `cannot write ${file}` }
    fs.fsyncSync(opened.fd)
    return { ok: true, file }
  } catch (error) {
    return { ok: false, reason: `cannot count in ${file}: ${error instanceof Error ? error.message : String(error)}` }
  } finally {
    fs.closeSync(opened.fd)
  }
}
