/**
 * The supervisor's files in `.myco/run/`: daemon.json (who is running), the socket and the lock.
 * `myco run` writes them; `myco doctor` and clients read them. A file left by a process that is
 * gone is stale: it is recognised without trusting a recycled pid.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Schema } from "effect"
import type { VaultPaths } from "./Vault.js"

/** The content of `run/daemon.json`. */
export const DaemonInfo = Schema.Struct({
  pid: Schema.Int.pipe(Schema.positive()),
  version: Schema.String,
  socket: Schema.String,
  startedAt: Schema.String
})
export type DaemonInfo = typeof DaemonInfo.Type

/** The paths of the supervisor's run files. */
export const runFiles = (paths: VaultPaths) => ({
  daemonJson: path.join(paths.run, "daemon.json"),
  socket: path.join(paths.run, "myco.sock"),
  lock: path.join(paths.run, "lock")
})

/**
 * Whether `pid` is a live myco process. A pid that exists but runs another program (the pid was
 * recycled) is not ours; where /proc is unavailable, existence is all we can check.
 */
export const isLiveMycoProcess = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    // ESRCH: no such process. EPERM: the process exists but belongs to someone else, so it is not our supervisor.
    return false
  }
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8")
    return cmdline.includes("myco")
  } catch {
    return true
  }
}

/** What `run/` says about the supervisor. */
export type RunState =
  | { readonly _tag: "NotRunning"; readonly stale: ReadonlyArray<string> }
  | { readonly _tag: "Running"; readonly info: DaemonInfo }
  | { readonly _tag: "Unreadable"; readonly file: string; readonly reason: string }

/** Inspects `run/`: a live supervisor, nothing, or files a dead one left behind. */
export const inspectRun = (paths: VaultPaths): RunState => {
  const files = runFiles(paths)
  const present = [files.daemonJson, files.socket, files.lock].filter((f) => fs.existsSync(f))
  if (!fs.existsSync(files.daemonJson)) return { _tag: "NotRunning", stale: present }
  let info: DaemonInfo
  try {
    info = Schema.decodeUnknownSync(DaemonInfo)(JSON.parse(fs.readFileSync(files.daemonJson, "utf8")))
  } catch (cause) {
    return { _tag: "Unreadable", file: files.daemonJson, reason: cause instanceof Error ? cause.message : String(cause) }
  }
  return isLiveMycoProcess(info.pid) ? { _tag: "Running", info } : { _tag: "NotRunning", stale: present }
}
