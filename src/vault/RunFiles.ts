/**
 * The supervisor's files in `.myco/run/`: daemon.json (who is running), the socket and the lock.
 * `myco run` writes them; `myco doctor` and clients read them. A file left by a process that is
 * gone is stale: it is recognised without trusting a recycled pid.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type DaemonInfo, daemonInfoFile, readDaemonInfo as readLeanDaemonInfo } from "../lean/DaemonInfo.js"
import { preferredSocketPath } from "../lean/SocketPath.js"
import type { VaultPaths } from "./Vault.js"

export { type DaemonInfo } from "../lean/DaemonInfo.js"

/**
 * Where the supervisor's socket goes: `run/myco.sock`, or, when that path is too long for a Unix
 * socket, a short path in a per-user directory under the temp dir, named by a hash of the vault.
 */
export const socketPathFor = (paths: VaultPaths): string => {
  const preferred = preferredSocketPath(paths.dir)
  if (preferred !== undefined) return preferred
  const hash = createHash("sha256").update(paths.dir).digest("hex").slice(0, 16)
  const uid = typeof process.getuid === "function" ? process.getuid() : 0
  return path.join(shortSocketDir(uid), `${hash}.sock`)
}

/** The per-user directory for sockets whose vault path is too long. */
export const shortSocketDir = (uid: number): string => path.join(os.tmpdir(), `myco-${uid}`)

/** The paths of the supervisor's run files. */
export const runFiles = (paths: VaultPaths) => ({
  daemonJson: daemonInfoFile(paths.run),
  socket: socketPathFor(paths),
  lock: path.join(paths.run, "lock")
})

/** Writes daemon.json atomically (write then rename), so that a reader never sees half of it. */
export const writeDaemonInfo = (paths: VaultPaths, info: DaemonInfo): void => {
  const file = runFiles(paths).daemonJson
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 })
  fs.renameSync(tmp, file)
}

/** Reads daemon.json, or undefined when it is absent or unreadable (the hook's reader). */
export const readDaemonInfo = (paths: VaultPaths): DaemonInfo | undefined => readLeanDaemonInfo(paths.run)
