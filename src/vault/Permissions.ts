/**
 * Who may read the vault. Everything in `.myco/` is private to its owner: the database holds every
 * captured prompt, tool input and answer, the logs quote them, the spool holds undelivered events,
 * run/ the socket anyone could write to. So `.myco/` itself is 0700 (nothing in it, committed
 * config included, is any other local user's business, and one mode covers whatever a later myco
 * adds there), and its private parts are private on their own as well (0700 directories, 0600
 * files), so that a `.myco/` loosened by a restore, a `chmod -R` or a clone stays closed where it
 * matters: the database and its journals, `run/`, `spool/`, `logs/`, `backups/`, `archive/`.
 *
 * The binaries make that the default for what they create by setting their umask to 077 first
 * thing ({@link rememberUserUmask}); the project's own files that myco writes (the agents' hook
 * configs, the guard) are not the vault's, and keep the modes the user's umask gives them.
 * Existing vaults are tightened by `myco init` and `myco doctor --fix` ({@link tightenVault}),
 * which never follow a symbolic link and never change what another user owns: those are reported
 * ({@link vaultPermissionProblems}), for the user to look at.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { checkPrivateDir, currentUid, ensurePrivateDir, isOwnedBy, permissionBits, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../lean/SafeFs.js"
import type { VaultPaths } from "./Vault.js"

// ---------------------------------------------------------------------------------------------
// The umask

let userUmask: number | undefined

/**
 * Records the umask the process started with (what `process.umask(0o077)` returned), for the
 * project files myco writes outside its vault. The binaries call it first thing.
 */
export const rememberUserUmask = (umask: number): void => {
  if (userUmask === undefined) userUmask = umask
}

/**
 * The modes the user's own umask gives a new file and a new directory of the project, or
 * undefined when the process never restricted its umask (then whatever it creates gets them).
 */
export const projectModes = (): { readonly file: number; readonly dir: number } | undefined =>
  userUmask === undefined ? undefined : { file: 0o666 & ~userUmask, dir: 0o777 & ~userUmask }

/**
 * Creates `dir` and its missing parents as project directories: with the mode the user's umask
 * gives them, not the process's restricted one.
 */
export const mkdirProject = (dir: string): void => {
  const missing: Array<string> = []
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d)
    if (path.dirname(d) === d) break
  }
  const modes = projectModes()
  for (const d of missing) {
    fs.mkdirSync(d)
    if (modes !== undefined) fs.chmodSync(d, modes.dir)
  }
}

// ---------------------------------------------------------------------------------------------
// What must be private

/** The vault's private directories, below `.myco/` itself. */
export const privateDirectories = (paths: VaultPaths): ReadonlyArray<string> => [paths.run, paths.spool, paths.logs, paths.backups, paths.archive]

/** The private files directly in `.myco/`: the database, its journals, and the record of its damage. */
export const privateFiles = (paths: VaultPaths): ReadonlyArray<string> => [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, `${paths.db}-journal`, paths.damaged]

/** How deep the private directories are walked, and how many entries at most (the spool can be large). */
const MAX_DEPTH = 4
const MAX_ENTRIES = 100_000

/** Something of the vault that is not as private as it must be. */
export type PermissionProblem =
  /** Ours, but readable (or more) by others: `--fix` and `myco init` tighten it. */
  | { readonly _tag: "Loose"; readonly path: string; readonly kind: "directory" | "file"; readonly mode: number }
  /** A symbolic link, another user's, or not what it should be: never followed or changed. */
  | { readonly _tag: "Unsafe"; readonly path: string; readonly reason: string }

const octal = (mode: number): string => mode.toString(8).padStart(4, "0")

/** A problem, in words, with the path relative to the project. */
export const describeProblem = (paths: VaultPaths, problem: PermissionProblem): string => {
  const where = path.relative(paths.root, problem.path) || problem.path
  return problem._tag === "Loose" ? `${where} (${octal(problem.mode)})` : `${where} ${problem.reason}`
}

const lstat = (file: string): fs.Stats | undefined => {
  try {
    return fs.lstatSync(file)
  } catch {
    // Gone, or not there at all: nothing to judge.
    return undefined
  }
}

/**
 * The problem of one entry found inside a private directory (or a private file), if any. Outside
 * the private parts (`strict` false: myco.yaml, project.json, context/...), a link or another
 * user's file is the user's arrangement, not a problem; a mode others can read still is.
 */
const entryProblem = (file: string, stat: fs.Stats, uid: number | undefined, strict = true): PermissionProblem | undefined => {
  if (stat.isSymbolicLink()) return strict ? { _tag: "Unsafe", path: file, reason: "is a symbolic link" } : undefined
  if (!isOwnedBy(stat, uid)) return strict ? { _tag: "Unsafe", path: file, reason: `is owned by uid ${stat.uid}` } : undefined
  if (uid === undefined) return undefined
  if (stat.isDirectory() && permissionBits(stat) !== PRIVATE_DIR_MODE) return { _tag: "Loose", path: file, kind: "directory", mode: permissionBits(stat) }
  if (stat.isFile() && (permissionBits(stat) & 0o077) !== 0) return { _tag: "Loose", path: file, kind: "file", mode: permissionBits(stat) }
  return undefined
}

/** The problems of `.myco/` itself: it may be a link (a vault kept elsewhere), but must be ours and 0700. */
const vaultDirProblem = (paths: VaultPaths, uid: number | undefined): PermissionProblem | undefined => {
  let stat: fs.Stats
  try {
    stat = fs.statSync(paths.dir)
  } catch {
    return undefined
  }
  if (!stat.isDirectory()) return { _tag: "Unsafe", path: paths.dir, reason: "is not a directory" }
  if (!isOwnedBy(stat, uid)) return { _tag: "Unsafe", path: paths.dir, reason: `is owned by uid ${stat.uid}` }
  if (uid !== undefined && permissionBits(stat) !== PRIVATE_DIR_MODE) return { _tag: "Loose", path: paths.dir, kind: "directory", mode: permissionBits(stat) }
  return undefined
}

/** Walks a directory of ours, without following links, calling `visit` on every entry. */
const walk = (dir: string, visit: (file: string, stat: fs.Stats) => void, depth = 1): void => {
  let seen = 0
  const stack: Array<{ readonly dir: string; readonly depth: number }> = [{ dir, depth }]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    let names: ReadonlyArray<string>
    try {
      names = fs.readdirSync(next.dir)
    } catch {
      // Unreadable (the mode check reports why) or gone meanwhile.
      continue
    }
    for (const name of names) {
      if (++seen > MAX_ENTRIES) return
      const file = path.join(next.dir, name)
      const stat = lstat(file)
      if (stat === undefined) continue
      visit(file, stat)
      if (stat.isDirectory() && !stat.isSymbolicLink() && next.depth < MAX_DEPTH) stack.push({ dir: file, depth: next.depth + 1 })
    }
  }
}

/**
 * Everything of the vault that is not as private as it must be, reading only: `.myco/` itself,
 * the private directories (a missing one is the directories check's business), everything in
 * them, the database files, and the rest of `.myco/` (its config and whatever else is in it).
 */
export const vaultPermissionProblems = (paths: VaultPaths): ReadonlyArray<PermissionProblem> => {
  const uid = currentUid()
  const problems: Array<PermissionProblem> = []
  const own = vaultDirProblem(paths, uid)
  if (own !== undefined) problems.push(own)
  for (const dir of privateDirectories(paths)) {
    const check = checkPrivateDir(dir)
    if (!check.ok) {
      if (check.reason === "missing") continue
      const stat = lstat(dir)
      if (check.reason.startsWith("mode is") && stat !== undefined) {
        problems.push({ _tag: "Loose", path: dir, kind: "directory", mode: permissionBits(stat) })
      } else {
        // A link, another user's, not a directory: nothing in it is looked at, let alone changed.
        problems.push({ _tag: "Unsafe", path: dir, reason: check.reason })
        continue
      }
    }
    walk(dir, (file, stat) => {
      const problem = entryProblem(file, stat, uid)
      if (problem !== undefined) problems.push(problem)
    })
  }
  for (const file of privateFiles(paths)) {
    const stat = lstat(file)
    const problem = stat === undefined ? undefined : entryProblem(file, stat, uid)
    if (problem !== undefined) problems.push(problem)
  }
  // The rest of .myco/: private too (0700 .myco/ already keeps others out; this keeps it so).
  const named = new Set([...privateDirectories(paths), ...privateFiles(paths)])
  const rest = (file: string, stat: fs.Stats) => {
    if (named.has(file)) return
    const problem = entryProblem(file, stat, uid, false)
    if (problem !== undefined) problems.push(problem)
  }
  let names: ReadonlyArray<string> = []
  try {
    names = fs.readdirSync(paths.dir)
  } catch {
    // No vault directory (yet): nothing else to judge.
  }
  for (const name of names) {
    const file = path.join(paths.dir, name)
    const stat = lstat(file)
    if (stat === undefined || named.has(file)) continue
    rest(file, stat)
    if (stat.isDirectory() && isOwnedBy(stat, uid)) walk(file, rest, 2)
  }
  return problems
}

const C = fs.constants
const NOFOLLOW: number = C.O_NOFOLLOW ?? 0
const NONBLOCK: number = C.O_NONBLOCK ?? 0

/** Sets a file of ours to 0600 through a descriptor opened without following a link; false if it was not one. */
const tightenFile = (file: string): boolean => {
  let fd: number
  try {
    fd = fs.openSync(file, C.O_RDONLY | NOFOLLOW | NONBLOCK)
  } catch {
    // A link (ELOOP), a socket (ENXIO), gone: not a file to tighten.
    return false
  }
  try {
    const stat = fs.fstatSync(fd)
    if (!stat.isFile() || !isOwnedBy(stat, currentUid())) return false
    fs.fchmodSync(fd, PRIVATE_FILE_MODE)
    return true
  } finally {
    fs.closeSync(fd)
  }
}

/** What {@link tightenVault} did: the paths it made private, and the problems it left alone. */
export interface Tightened {
  readonly tightened: ReadonlyArray<string>
  readonly refused: ReadonlyArray<PermissionProblem>
}

/**
 * Makes the vault's private parts private: `.myco/` and every private directory of ours 0700,
 * every file of ours in them (and the database files) 0600. Links and what others own are left
 * exactly as they are, and returned. Throws only when a mode cannot be set on a file of ours.
 */
export const tightenVault = (paths: VaultPaths): Tightened => {
  const tightened: Array<string> = []
  const refused: Array<PermissionProblem> = []
  for (const problem of vaultPermissionProblems(paths)) {
    if (problem._tag === "Unsafe") {
      refused.push(problem)
      continue
    }
    if (problem.path === paths.dir) {
      // `.myco/` may be a link to the vault kept elsewhere: its target, ours, is what is set.
      fs.chmodSync(paths.dir, PRIVATE_DIR_MODE)
      tightened.push(problem.path)
    } else if (problem.kind === "directory") {
      const made = ensurePrivateDir(problem.path)
      if (made.ok) tightened.push(problem.path)
      else refused.push({ _tag: "Unsafe", path: problem.path, reason: made.reason })
    } else if (tightenFile(problem.path)) {
      tightened.push(problem.path)
    }
  }
  return { tightened, refused }
}
