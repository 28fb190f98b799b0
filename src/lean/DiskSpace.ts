/**
 * Free space, and the errors that mean there is none. A full disk (or a spent quota) is the one
 * write failure that goes away by itself once someone frees space, so the hook and the supervisor
 * tell it apart from the others: the hook gives back the spool's reserve and tries elsewhere, the
 * supervisor pauses its writes and tries again later instead of giving up.
 *
 * Effect-free, and imports only Node's own modules: the hook bundles it.
 */
import * as fs from "node:fs"

/** The error codes of a write that found no room: the file system is full, or the user's quota. */
const NO_SPACE_CODES: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT"])

/** Whether `error` (a file-system error) says there is no room left to write. */
export const isNoSpace = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" && NO_SPACE_CODES.has(error.code)

/**
 * The bytes an unprivileged writer may still use on the file system of `dir`, or undefined when
 * the platform cannot tell (no statfs) or `dir` cannot be inspected. A quota is not seen here:
 * callers treat a write that fails for want of space as the final word.
 */
export const freeBytes = (dir: string): number | undefined => {
  let stats: fs.StatsFs
  try {
    stats = fs.statfsSync(dir)
  } catch {
    // Unknown: the caller decides without it (and a write still tells).
    return undefined
  }
  return stats.bavail * stats.bsize
}

/** `n` bytes for people: `512 B`, `12 KiB`, `4.0 MiB`, `1.2 GiB`. */
export const formatBytes = (n: number): string => {
  if (n < 1024) return `${Math.max(0, Math.round(n))} B`
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KiB`
  if (n < 1024 * 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`
  return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GiB`
}
