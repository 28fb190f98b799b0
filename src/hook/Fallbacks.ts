/**
 * Where the hook keeps an event that the vault's spool refused, and what it says about it. Loaded
 * only then: the usual paths (delivered, or spooled in the vault) never pay for it.
 *
 * In order, each tried only when the one before failed:
 *
 * 1. the vault's spool again, after giving back part of the spool's reserve (only when the disk
 *    was full: a spool that is a link or someone else's stays refused);
 * 2. the fallback spool in the user's state directory (lean/FallbackSpool.ts), drained by the
 *    vault's supervisor like its own;
 * 3. a loss marker (lean/Losses.ts) in the vault's `spool/lost/`, else in the fallback folder,
 *    else a count in the ledger of one of them (when not even an empty file fits): the event is
 *    gone, but it is counted, and the next supervisor reports it.
 *
 * Whatever happens, the caller gets one line to print on stderr, and the hook still exits 0.
 */
import * as path from "node:path"
import { formatBytes, isNoSpace } from "../lean/DiskSpace.js"
import { ensureFallbackDirs, fallbackPathsOf } from "../lean/FallbackSpool.js"
import { countInLedger, LOST_DIR, type LossReason, recordLoss } from "../lean/Losses.js"
import { releaseReserve, spoolEvent } from "../lean/Spool.js"

/** The event to keep. */
export interface Keeping {
  readonly vaultDir: string
  readonly atMs: number
  readonly idempotencyId: string
  readonly agent: string
  readonly event: string
  /** The redacted request, as JSON text. */
  readonly json: string
  /** Why the vault's spool refused it the first time. */
  readonly firstError: unknown
  readonly env: NodeJS.ProcessEnv
}

/** Where the event went, and the one line that says so. */
export type Kept =
  | { readonly _tag: "Spooled"; readonly where: "reserve" | "fallback"; readonly file: string; readonly message: string }
  | { readonly _tag: "Lost"; readonly counted: boolean; readonly message: string }

/** How many times the reserve is cut short for one event (others may take the room meanwhile). */
const RESERVE_ATTEMPTS = 4

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Keeps the event the vault's spool refused, as well as can be; never throws. */
export const keepElsewhere = (k: Keeping): Kept => {
  const vaultSpool = path.join(k.vaultDir, "spool")
  const problems: Array<string> = [`the vault's spool: ${errorText(k.firstError)}`]
  let allNoSpace = isNoSpace(k.firstError)

  // 1. The reserve: room given back on the vault's own disk.
  if (isNoSpace(k.firstError)) {
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      const released = releaseReserve(vaultSpool, Buffer.byteLength(k.json) + 4096)
      if (released.released === 0) {
        problems.push(`its reserve: ${"problem" in released ? released.problem : "used up"}`)
        break
      }
      try {
        const file = spoolEvent(vaultSpool, k.atMs, k.idempotencyId, k.json)
        const left = "left" in released ? released.left : 0
        return {
          _tag: "Spooled",
          where: "reserve",
          file,
          message: `the disk of ${k.vaultDir} is full: event spooled in the room myco kept in reserve (${formatBytes(left)} of it left); free some space (see \`myco doctor\`)`
        }
      } catch (error) {
        if (!isNoSpace(error)) {
          problems.push(`the vault's spool, after the reserve: ${errorText(error)}`)
          allNoSpace = false
          break
        }
      }
    }
  }

  // 2. The fallback spool, outside the vault.
  const fallback = fallbackPathsOf(k.vaultDir, k.env)
  if (fallback === undefined) {
    problems.push("no fallback spool: no state directory (HOME and XDG_STATE_HOME are not set)")
    allNoSpace = false
  } else {
    const dirs = ensureFallbackDirs(fallback)
    if (!dirs.ok) {
      problems.push(`the fallback spool: ${dirs.reason}`)
      // A directory that could not even be made on a full disk is still the disk's fault.
      if (!/ENOSPC|EDQUOT/.test(dirs.reason)) allNoSpace = false
    } else {
      try {
        const file = spoolEvent(fallback.spool, k.atMs, k.idempotencyId, k.json)
        return { _tag: "Spooled", where: "fallback", file, message: `event spooled to ${fallback.spool} (the vault's spool could not take it: ${errorText(k.firstError)})` }
      } catch (error) {
        problems.push(`the fallback spool: ${errorText(error)}`)
        if (!isNoSpace(error)) allNoSpace = false
      }
    }
  }

  // 3. Nothing could take it: count it where an empty file still fits.
  const reason: LossReason = allNoSpace ? "disk-full" : "unwritable"
  const marker = { atMs: k.atMs, idempotencyId: k.idempotencyId, agent: k.agent, event: k.event, reason }
  const lostDirs = [path.join(vaultSpool, LOST_DIR), ...(fallback === undefined ? [] : [fallback.lost])]
  for (const dir of lostDirs) {
    const recorded = recordLoss(dir, marker)
    if (recorded.ok) {
      const why =
        reason === "disk-full"
          ? `disk full: no room in the vault's spool, its reserve${fallback === undefined ? "" : " or the fallback spool"}`
          : `no usable spool: ${problems.join("; ")}`
      return { _tag: "Lost", counted: true, message: `event lost (${why}); counted in ${recorded.file}, and reported by \`myco status\` and \`myco doctor\`` }
    }
    problems.push(recorded.reason)
  }
  // Not even an empty file fits: count it in a ledger the supervisor wrote ahead of need.
  for (const dir of lostDirs) {
    const counted = countInLedger(dir, reason, process.pid, Date.now())
    if (counted.ok) {
      return { _tag: "Lost", counted: true, message: `event lost (${reason === "disk-full" ? "disk full" : "no usable spool"}: no room anywhere, not even for a marker); counted in ${counted.file}, and reported by \`myco status\` and \`myco doctor\`` }
    }
    problems.push(counted.reason)
  }
  return { _tag: "Lost", counted: false, message: `event lost, and it could not even be counted: ${problems.join("; ")}` }
}
