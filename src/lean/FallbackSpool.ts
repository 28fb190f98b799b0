/**
 * The fallback spool: where a hook leaves an event when the vault's own spool cannot take it (its
 * disk is full even after the reserve was given back, or `spool/` is a link or someone else's and
 * is refused). It lives outside the vault, in the user's state directory, one folder per vault:
 *
 *   $XDG_STATE_HOME/myco/vaults/<first 16 hex of sha256(real path of the vault)>/
 *     spool/   events, named and written exactly as in the vault's spool
 *     lost/    markers of events that could be written nowhere (lean/Losses.ts)
 *     vault    the vault's path, for people and for `myco doctor`
 *
 * (`~/.local/state` when XDG_STATE_HOME is not set.) Every directory of it is made private and
 * checked without following links: one that is a link or another user's is never used, like the
 * vault's own. The supervisor of the vault drains this spool with its own and makes the folders
 * ahead of need, so that a hook on a full disk finds them there.
 *
 * Effect-free; it loads node:crypto, so the hook imports it only when it needs it.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type DirCheck, ensurePrivateDir } from "./SafeFs.js"

/** The directory of myco's own in the user's state directory. */
export const STATE_DIR_NAME = "myco"

/** Where a vault's fallback spool and loss markers are. */
export interface FallbackPaths {
  /** `$XDG_STATE_HOME/myco`. */
  readonly root: string
  /** The vault's own folder in it. */
  readonly dir: string
  readonly spool: string
  readonly lost: string
  /** A file naming the vault the folder belongs to. */
  readonly vaultFile: string
}

/**
 * The user's state directory: `$XDG_STATE_HOME` when it is an absolute path, else
 * `$HOME/.local/state`, else undefined (no home to speak of).
 */
export const userStateDir = (env: NodeJS.ProcessEnv): string | undefined => {
  const xdg = env["XDG_STATE_HOME"]
  if (xdg !== undefined && path.isAbsolute(xdg)) return xdg
  const home = env["HOME"] !== undefined && path.isAbsolute(env["HOME"]) ? env["HOME"] : os.homedir()
  return home === "" || !path.isAbsolute(home) ? undefined : path.join(home, ".local", "state")
}

/** The vault's key in the state directory: a hash of its real path (the same through any link to it). */
export const vaultKey = (vaultDir: string): string => {
  let real: string
  try {
    real = fs.realpathSync(vaultDir)
  } catch {
    // A vault that cannot be resolved is keyed by the path given: the same one every time.
    real = path.resolve(vaultDir)
  }
  return createHash("sha256").update(real).digest("hex").slice(0, 16)
}

/** The fallback paths of the vault `vaultDir` (its `.myco/`), or undefined when the user has no state directory. */
export const fallbackPathsOf = (vaultDir: string, env: NodeJS.ProcessEnv): FallbackPaths | undefined => {
  const state = userStateDir(env)
  if (state === undefined) return undefined
  const root = path.join(state, STATE_DIR_NAME)
  const dir = path.join(root, "vaults", vaultKey(vaultDir))
  return { root, dir, spool: path.join(dir, "spool"), lost: path.join(dir, "lost"), vaultFile: path.join(dir, "vault") }
}

/**
 * Makes the fallback folders private directories of ours, or says which one cannot be: the state
 * directory itself is created (0700, parents too) when missing; from `myco/` down, each directory
 * is one of ours, 0700, never a link (lean/SafeFs.ts `ensurePrivateDir`).
 */
export const ensureFallbackDirs = (paths: FallbackPaths): DirCheck => {
  try {
    fs.mkdirSync(path.dirname(paths.root), { recursive: true, mode: 0o700 })
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error)
    return { ok: false, reason: `${path.dirname(paths.root)}: cannot create: ${code}` }
  }
  for (const dir of [paths.root, path.dirname(paths.dir), paths.dir, paths.spool, paths.lost]) {
    const check = ensurePrivateDir(dir)
    if (!check.ok) return { ok: false, reason: `${dir} ${check.reason}` }
  }
  return { ok: true }
}
