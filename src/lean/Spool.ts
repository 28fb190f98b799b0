/**
 * The spool: where a hook leaves an event the supervisor could not take (not running, not
 * answering in time, or refusing the frame). One file per event, written to a temporary name,
 * flushed to disk, then renamed into place: a reader never sees half an event, and any number of
 * hooks can spool at once without a lock. The supervisor drains it in name order (the time the
 * hook started, then its idempotency id) and idempotency ids make a replay harmless.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** Files of the spool that are complete events; temporary files start with a dot. */
export const SPOOL_FILE = /^\d{15}-[A-Za-z0-9._:@+-]{1,128}\.json$/

/** The spool file name of an event. */
export const spoolFileName = (atMs: number, idempotencyId: string): string =>
  `${String(Math.max(0, Math.floor(atMs))).padStart(15, "0")}-${idempotencyId}.json`

/** Writes one event (its encoded request, as JSON text) into the spool durably. */
export const spoolEvent = (spoolDir: string, atMs: number, idempotencyId: string, json: string): string => {
  fs.mkdirSync(spoolDir, { recursive: true, mode: 0o700 })
  const file = path.join(spoolDir, spoolFileName(atMs, idempotencyId))
  const tmp = path.join(spoolDir, `.${idempotencyId}.${process.pid}.tmp`)
  const fd = fs.openSync(tmp, "w", 0o600)
  try {
    fs.writeSync(fd, json)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
  return file
}
