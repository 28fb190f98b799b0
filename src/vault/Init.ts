/**
 * Creating a vault, and repairing the parts of one that are safe to repair. Idempotent: what
 * exists is left as it is; an existing myco.yaml is never overwritten, even when invalid. Every
 * directory of the vault is private (0700: see Permissions.ts for why), created so whatever the
 * umask; initialising an existing vault also tightens the modes of what is in it.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { ConfigError } from "../domain/Failure.js"
import { ensurePrivateDir, PRIVATE_DIR_MODE } from "../lean/SafeFs.js"
import { EXAMPLE_CONFIG } from "./ConfigExample.js"
import { projectId } from "./Identity.js"
import { describeProblem, mkdirProject, type Tightened, tightenVault } from "./Permissions.js"
import type { VaultPaths } from "./Vault.js"

/** What the vault's .gitignore keeps out of version control: local state and captured data. */
export const GITIGNORE_LINES: ReadonlyArray<string> = [
  "myco.db",
  "myco.db-*",
  "damaged.json",
  "run/",
  "spool/",
  "logs/",
  "archive/",
  "backups/"
]

/** The directories of a vault, with their modes: every one private to its owner. */
export const vaultDirectories = (paths: VaultPaths): ReadonlyArray<readonly [string, number]> => [
  [paths.dir, PRIVATE_DIR_MODE],
  [paths.run, PRIVATE_DIR_MODE],
  [paths.spool, PRIVATE_DIR_MODE],
  [paths.logs, PRIVATE_DIR_MODE],
  [paths.archive, PRIVATE_DIR_MODE],
  [paths.backups, PRIVATE_DIR_MODE]
]

/** What init or a repair did: paths created and paths that were already there. */
export interface VaultChanges {
  readonly created: ReadonlyArray<string>
  readonly existing: ReadonlyArray<string>
}

const unwritable = (paths: VaultPaths, cause: unknown): ConfigError =>
  new ConfigError({
    message: `cannot write the vault at ${paths.dir}: ${cause instanceof Error ? cause.message : String(cause)}`,
    hint: "check that the directory is yours and writable",
    fix: "myco doctor",
    path: paths.dir
  })

/** A directory of the vault that is a link, another user's or not a directory: never used, never changed. */
const unsafeDirectory = (paths: VaultPaths, dir: string, reason: string): ConfigError => {
  const where = path.relative(paths.root, dir) || dir
  return new ConfigError({
    message: `cannot use ${dir}: ${reason}`,
    hint: `myco keeps its private files only in real directories of its own, and never follows or changes another's; look at ${where}, move it aside, and myco recreates it`,
    fix: `mv ${where} ${where}.suspect && myco init`,
    path: dir
  })
}

/**
 * Creates missing directories, each private (0700) whatever the umask, and makes existing ones of
 * ours private. `.myco/` may be a link to a directory of ours (a vault kept elsewhere); the
 * directories in it may not. The project directory, when missing, is created as a project
 * directory (the user's umask).
 */
export const ensureDirectories = (paths: VaultPaths): Effect.Effect<VaultChanges, ConfigError> =>
  Effect.suspend(() => {
    const created: Array<string> = []
    const existing: Array<string> = []
    try {
      if (!fs.existsSync(paths.root)) mkdirProject(paths.root)
    } catch (cause) {
      return Effect.fail(unwritable(paths, cause))
    }
    for (const [dir] of vaultDirectories(paths)) {
      const existed = fs.existsSync(dir)
      if (dir === paths.dir && existed) {
        // A link to the vault is followed here (only here); its target must still be ours.
        try {
          const stat = fs.statSync(dir)
          if (!stat.isDirectory()) return Effect.fail(unsafeDirectory(paths, dir, "not a directory"))
          if (process.getuid !== undefined && stat.uid !== process.getuid()) return Effect.fail(unsafeDirectory(paths, dir, `is owned by uid ${stat.uid}`))
          if ((stat.mode & 0o7777) !== PRIVATE_DIR_MODE) fs.chmodSync(dir, PRIVATE_DIR_MODE)
        } catch (cause) {
          return Effect.fail(unwritable(paths, cause))
        }
        existing.push(dir)
        continue
      }
      const made = ensurePrivateDir(dir)
      if (!made.ok) {
        return Effect.fail(made.reason.startsWith("cannot create") ? unwritable(paths, new Error(`${dir}: ${made.reason}`)) : unsafeDirectory(paths, dir, made.reason))
      }
      ;(existed ? existing : created).push(dir)
    }
    return Effect.succeed({ created, existing })
  })

/**
 * Makes the vault's private parts private (Permissions.ts). Links and what other users own are
 * left as they are, and make it fail with what to do about them.
 */
export const tightenPermissions = (paths: VaultPaths): Effect.Effect<Tightened, ConfigError> =>
  Effect.flatMap(
    Effect.try({ try: () => tightenVault(paths), catch: (cause) => unwritable(paths, cause) }),
    (done) => {
      const first = done.refused[0]
      if (first === undefined) return Effect.succeed(done)
      return Effect.fail(
        new ConfigError({
          message: `not private, and left alone: ${done.refused.map((p) => describeProblem(paths, p)).join(", ")}`,
          hint: "myco never follows a symbolic link in its vault, nor changes what another user owns; look at what is there and move it aside",
          fix: `mv ${path.relative(paths.root, first.path) || first.path} ${path.relative(paths.root, first.path) || first.path}.suspect && myco init`,
          path: first.path
        })
      )
    }
  )

/** Writes `text` to `file` unless the file exists; true when it was written. */
const writeIfAbsent = (file: string, text: string): boolean => {
  try {
    fs.writeFileSync(file, text, { flag: "wx" })
    return true
  } catch (cause) {
    if (cause instanceof Error && "code" in cause && cause.code === "EEXIST") return false
    throw cause
  }
}

/** Adds to the vault's .gitignore the lines it lacks. */
const ensureGitignore = (paths: VaultPaths): boolean => {
  const header = "# myco: local state and captured data stay out of version control\n"
  if (writeIfAbsent(paths.gitignore, header + GITIGNORE_LINES.join("\n") + "\n")) return true
  const present = new Set(fs.readFileSync(paths.gitignore, "utf8").split(/\r?\n/).map((l) => l.trim()))
  const missing = GITIGNORE_LINES.filter((l) => !present.has(l))
  if (missing.length > 0) fs.appendFileSync(paths.gitignore, `\n${missing.join("\n")}\n`)
  return false
}

/**
 * Creates the vault's directories and files: myco.yaml (from the example), .gitignore,
 * project.json. The database is created by opening it (see store). Never clobbers anything.
 */
export const initVault = (paths: VaultPaths): Effect.Effect<VaultChanges, ConfigError> =>
  Effect.gen(function* () {
    const dirs = yield* ensureDirectories(paths)
    yield* tightenPermissions(paths)
    const created = [...dirs.created]
    const existing = [...dirs.existing]
    const files = yield* Effect.try({
      try: () => [
        [paths.config, writeIfAbsent(paths.config, EXAMPLE_CONFIG)] as const,
        [paths.gitignore, ensureGitignore(paths)] as const,
        [paths.projectFile, !fs.existsSync(paths.projectFile)] as const
      ],
      catch: (cause) => unwritable(paths, cause)
    })
    yield* projectId(paths)
    for (const [file, made] of files) (made ? created : existing).push(file)
    return { created, existing }
  })
