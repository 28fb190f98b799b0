/**
 * Creating a vault, and repairing the parts of one that are safe to repair. Idempotent: what
 * exists is left as it is; an existing myco.yaml is never overwritten, even when invalid.
 */
import * as fs from "node:fs"
import { Effect } from "effect"
import { ConfigError } from "../domain/Failure.js"
import { EXAMPLE_CONFIG } from "./ConfigExample.js"
import { projectId } from "./Identity.js"
import type { VaultPaths } from "./Vault.js"

/** What the vault's .gitignore keeps out of version control: local state and captured data. */
export const GITIGNORE_LINES: ReadonlyArray<string> = [
  "myco.db",
  "myco.db-*",
  "run/",
  "spool/",
  "logs/",
  "archive/",
  "backups/"
]

/** The directories of a vault, with their modes. run/ holds the socket: owner only. */
export const vaultDirectories = (paths: VaultPaths): ReadonlyArray<readonly [string, number]> => [
  [paths.dir, 0o755],
  [paths.run, 0o700],
  [paths.spool, 0o700],
  [paths.logs, 0o755],
  [paths.archive, 0o755],
  [paths.backups, 0o700]
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

/** Creates missing directories with their modes (and tightens run/ when it is too open). */
export const ensureDirectories = (paths: VaultPaths): Effect.Effect<VaultChanges, ConfigError> =>
  Effect.try({
    try: () => {
      const created: Array<string> = []
      const existing: Array<string> = []
      for (const [dir, mode] of vaultDirectories(paths)) {
        if (fs.existsSync(dir)) {
          existing.push(dir)
        } else {
          fs.mkdirSync(dir, { recursive: true, mode })
          created.push(dir)
        }
        // mkdir's mode is filtered by the umask: set it exactly for the private directories.
        if (mode === 0o700 && (fs.statSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, mode)
      }
      return { created, existing }
    },
    catch: (cause) => unwritable(paths, cause)
  })

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
