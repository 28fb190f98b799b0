/**
 * The spool: where a hook leaves an event the supervisor could not take (not running, not
 * answering in time, or refusing the frame). One file per event, written to a temporary name,
 * flushed to disk, then renamed into place: a reader never sees half an event, and any number of
 * hooks can spool at once without a lock. The supervisor drains it in name order (the time the
 * hook started, then its idempotency id) and idempotency ids make a replay harmless.
 */
import * as path from "node:path"
import { ensurePrivateDir, writePrivateAtomic } from "./SafeFs.js"

/** Files of the spool that are complete events; temporary files start with a dot. */
export const SPOOL_FILE = /^\d{15}-[A-Za-z0-9._:@+-]{1,128}\.json$/

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
