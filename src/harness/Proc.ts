/**
 * What Linux's /proc says about processes, read the way the harness runtime needs it: a process's
 * parent, process group and start time (/proc/<pid>/stat), its resident memory (/proc/<pid>/status,
 * VmRSS), whether its initial environment carries a run's marker (/proc/<pid>/environ), and the
 * boot id. A pid alone is never trusted: a process is identified by its pid, its start time (field
 * 22 of stat, in clock ticks since boot) and the boot id, so that a pid recycled by the kernel, or
 * one seen before a reboot, never matches.
 *
 * Every read is bounded and tolerant: a process can vanish between two reads, and a process of
 * another user may refuse some files; either reads as "absent", which is what the callers need
 * (they judge what is there, never what is not). Zombies count as gone: they hold no memory and
 * cannot be killed further. Off Linux (no /proc) every function answers "nothing there".
 */
import * as fs from "node:fs"

/** One process as stat shows it. */
export interface ProcStat {
  readonly pid: number
  readonly ppid: number
  readonly pgid: number
  /** Field 22: the start time in clock ticks since boot, as decimal text (it can exceed 2^53 in theory). */
  readonly startTime: string
  /** Field 3: R, S, D, Z, T... */
  readonly state: string
}

/** Who a process is, beyond its pid. */
export interface ProcessIdentity {
  readonly pid: number
  readonly startTime: string
  readonly bootId: string
}

const MAX_STAT_BYTES = 4096
const MAX_STATUS_BYTES = 16 * 1024
/** Environments longer than this are read only this far (the marker is looked for in that prefix and suffix). */
const MAX_ENVIRON_BYTES = 256 * 1024

const readBounded = (file: string, max: number): Buffer | undefined => {
  let fd: number
  try {
    fd = fs.openSync(file, "r")
  } catch {
    return undefined
  }
  try {
    const buffer = Buffer.alloc(max)
    let total = 0
    for (;;) {
      const n = fs.readSync(fd, buffer, total, max - total, null)
      if (n === 0) break
      total += n
      if (total >= max) break
    }
    return buffer.subarray(0, total)
  } catch {
    return undefined
  } finally {
    fs.closeSync(fd)
  }
}

/** Parses the text of /proc/<pid>/stat; undefined when it is not one. */
export const parseStat = (text: string): ProcStat | undefined => {
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const open = text.indexOf("(")
  const close = text.lastIndexOf(")")
  if (open < 0 || close < open) return undefined
  const pid = Number(text.slice(0, open).trim())
  const rest = text.slice(close + 2).split(" ")
  // rest[0] is field 3; field k is rest[k - 3].
  const state = rest[0]
  const ppid = Number(rest[1])
  const pgid = Number(rest[2])
  const startTime = rest[19]
  if (state === undefined || startTime === undefined || !/^\d+$/.test(startTime)) return undefined
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isInteger(pgid)) return undefined
  return { pid, ppid, pgid, startTime, state }
}

/** stat of one process, or undefined when it is gone (or unreadable). */
export const readStat = (pid: number): ProcStat | undefined => {
  const buffer = readBounded(`/proc/${pid}/stat`, MAX_STAT_BYTES)
  return buffer === undefined ? undefined : parseStat(buffer.toString("latin1"))
}

let cachedBootId: string | undefined

/** The kernel's boot id (a new one each boot), or "unknown" off Linux. */
export const bootId = (): string => {
  if (cachedBootId !== undefined) return cachedBootId
  const buffer = readBounded("/proc/sys/kernel/random/boot_id", 64)
  cachedBootId = buffer === undefined ? "unknown" : buffer.toString("latin1").trim()
  return cachedBootId
}

/** The identity of a live process, or undefined when it is gone. */
export const identityOf = (pid: number): ProcessIdentity | undefined => {
  const stat = readStat(pid)
  return stat === undefined || stat.state === "Z" ? undefined : { pid, startTime: stat.startTime, bootId: bootId() }
}

/** Whether `identity` is still the live process it was: same boot, same pid, same start time. */
export const stillIs = (identity: ProcessIdentity): boolean => {
  if (identity.bootId !== bootId()) return false
  const now = identityOf(identity.pid)
  return now !== undefined && now.startTime === identity.startTime
}

/** Whether start time `a` is at or after `b` (decimal texts of clock ticks). */
export const startedAtOrAfter = (a: string, b: string): boolean => (a.length !== b.length ? a.length > b.length : a >= b)

/** Every pid in /proc now. */
export const listPids = (): ReadonlyArray<number> => {
  let entries: Array<string>
  try {
    entries = fs.readdirSync("/proc")
  } catch {
    return []
  }
  const pids: Array<number> = []
  for (const entry of entries) if (/^\d+$/.test(entry)) pids.push(Number(entry))
  return pids
}

/** The stat of every live (not zombie) process now. */
export const allProcesses = (): ReadonlyArray<ProcStat> => {
  const found: Array<ProcStat> = []
  for (const pid of listPids()) {
    const stat = readStat(pid)
    if (stat !== undefined && stat.state !== "Z") found.push(stat)
  }
  return found
}

/** The live members of process group `pgid` (a full scan of /proc). */
export const groupMembers = (pgid: number): ReadonlyArray<ProcStat> => allProcesses().filter((p) => p.pgid === pgid)

/** The resident memory of one process in bytes (VmRSS), or 0 when it is gone or has none. */
export const rssBytes = (pid: number): number => {
  const buffer = readBounded(`/proc/${pid}/status`, MAX_STATUS_BYTES)
  if (buffer === undefined) return 0
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(buffer.toString("latin1"))
  return match?.[1] === undefined ? 0 : Number(match[1]) * 1024
}

/** Whether the initial environment of `pid` holds exactly the entry `entry` (`NAME=value`). */
export const environHas = (pid: number, entry: string): boolean => {
  const buffer = readBounded(`/proc/${pid}/environ`, MAX_ENVIRON_BYTES)
  if (buffer === undefined) return false
  const needle = Buffer.from(`${entry}\0`, "utf8")
  if (buffer.subarray(0, needle.length).equals(needle)) return true
  return buffer.indexOf(Buffer.concat([Buffer.from([0]), needle])) >= 0
}

/** Whether this machine has a /proc to read (Linux). */
export const hasProcFs = (): boolean => readStat(process.pid) !== undefined
