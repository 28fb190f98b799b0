/**
 * What the process runtime's tests look for in /proc: the processes whose command line holds a
 * marker (each test's fixture carries its own), and waiting for them to appear.
 */
import * as fs from "node:fs"

/** The pids whose command line contains `marker`, except this process. */
export const processesWithMarker = (marker: string): ReadonlyArray<number> => {
  const found: Array<number> = []
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "latin1")
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue
      if (fs.readFileSync(`/proc/${entry}/cmdline`, "latin1").split("\0").includes(marker)) found.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return found
}

/** The pids of group `pgid` that are alive (not zombies). */
export const groupMembers = (pgid: number): ReadonlyArray<number> => {
  const found: Array<number> = []
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "latin1")
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      if (rest[0] !== "Z" && Number(rest[2]) === pgid) found.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return found
}

/** Waits until `check` holds, polling; fails after `ms`. */
export const waitFor = async (what: string, check: () => boolean, ms = 30_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

let counter = 0
/** A marker unique to this test process and call. */
export const uniqueMarker = (label: string): string => `myco-test-${label}-${process.pid}-${Date.now().toString(36)}-${counter++}`
