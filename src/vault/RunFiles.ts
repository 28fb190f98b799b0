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
import { ensurePrivateDir } from "../lean/SafeFs.js"
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

/** How many other short-socket directories are tried when the first is taken by someone else. */
const SOCKET_DIR_ATTEMPTS = 8

/**
 * The socket the supervisor binds: the preferred path, or, when the vault's is too long, a short
 * path in a directory of ours under the temp dir, created 0700 and checked without following links
 * (owner our uid, mode exactly 0700). A directory another user planted there is never adopted or
 * changed: the next name is tried (`myco-<uid>-1`, ...). Fails, saying why, when none is usable.
 */
export const claimSocketPath = (paths: VaultPaths): { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string } => {
  const preferred = socketPathFor(paths)
  if (path.dirname(preferred) === paths.run) return { ok: true, path: preferred }
  const problems: Array<string> = []
  for (let attempt = 0; attempt <= SOCKET_DIR_ATTEMPTS; attempt++) {
    const dir = attempt === 0 ? path.dirname(preferred) : `${path.dirname(preferred)}-${attempt}`
    const check = ensurePrivateDir(dir)
    if (check.ok) return { ok: true, path: path.join(dir, path.basename(preferred)) }
    problems.push(`${dir} ${check.reason}`)
  }
  return { ok: false, reason: problems.join("; ") }
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
