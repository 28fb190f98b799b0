/**
 * The vault: the `.myco/` directory of a project, and how a command finds it.
 *
 * Resolution order (DESIGN.md section 4): `--vault DIR` > the nearest `.myco/` walking up from
 * the working directory > `MYCO_VAULT_DIR` > ConfigError. DIR (flag or env) may name the project
 * directory or its `.myco/` directly.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { ConfigError } from "../domain/Failure.js"

/** Name of the vault directory inside a project. */
export const VAULT_DIR_NAME = ".myco"

/** Every path of a vault, derived from its directory. */
export interface VaultPaths {
  /** The project directory (the parent of `.myco/`). */
  readonly root: string
  /** The `.myco/` directory. */
  readonly dir: string
  readonly config: string
  readonly db: string
  readonly run: string
  readonly spool: string
  readonly logs: string
  readonly archive: string
  readonly backups: string
  readonly projectFile: string
  readonly gitignore: string
}

/** The paths of the vault whose `.myco/` directory is `dir`. */
export const vaultPaths = (dir: string): VaultPaths => {
  const abs = path.resolve(dir)
  return {
    root: path.dirname(abs),
    dir: abs,
    config: path.join(abs, "myco.yaml"),
    db: path.join(abs, "myco.db"),
    run: path.join(abs, "run"),
    spool: path.join(abs, "spool"),
    logs: path.join(abs, "logs"),
    archive: path.join(abs, "archive"),
    backups: path.join(abs, "backups"),
    projectFile: path.join(abs, "project.json"),
    gitignore: path.join(abs, ".gitignore")
  }
}

/** The `.myco/` directory that `dir` (a project directory or a `.myco/` itself) designates. */
export const vaultDirOf = (dir: string): string => {
  const abs = path.resolve(dir)
  return path.basename(abs) === VAULT_DIR_NAME ? abs : path.join(abs, VAULT_DIR_NAME)
}

const isDirectory = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    // A path we cannot stat is not a vault; resolution goes on to the next candidate.
    return false
  }
}

/** Where resolution looks: the parsed `--vault` flag, the working directory, the environment. */
export interface ResolveInput {
  readonly flag: string | undefined
  readonly cwd: string
  readonly env: string | undefined
}

/** How the vault was found, for `myco doctor`. */
export type ResolvedBy = "flag" | "walk-up" | "env"

/** A vault found by resolution. */
export interface ResolvedVault {
  readonly paths: VaultPaths
  readonly by: ResolvedBy
}

/** Resolves the vault, or fails with a ConfigError saying how to make one. */
export const resolveVault = (input: ResolveInput): Effect.Effect<ResolvedVault, ConfigError> =>
  Effect.suspend((): Effect.Effect<ResolvedVault, ConfigError> => {
    if (input.flag !== undefined) {
      const dir = vaultDirOf(input.flag)
      return isDirectory(dir)
        ? Effect.succeed({ paths: vaultPaths(dir), by: "flag" as const })
        : Effect.fail(noVaultAt(dir, `--vault ${input.flag}`, `myco init --vault ${path.dirname(dir)}`))
    }
    let current = path.resolve(input.cwd)
    for (;;) {
      const candidate = path.join(current, VAULT_DIR_NAME)
      if (isDirectory(candidate)) return Effect.succeed({ paths: vaultPaths(candidate), by: "walk-up" as const })
      const parent = path.dirname(current)
      if (parent === current) break
      current = parent
    }
    if (input.env !== undefined && input.env !== "") {
      const dir = vaultDirOf(input.env)
      return isDirectory(dir)
        ? Effect.succeed({ paths: vaultPaths(dir), by: "env" as const })
        : Effect.fail(noVaultAt(dir, `MYCO_VAULT_DIR=${input.env}`, `myco init --vault ${path.dirname(dir)}`))
    }
    return Effect.fail(
      new ConfigError({
        message: `no vault here: no ${VAULT_DIR_NAME}/ in ${path.resolve(input.cwd)} or above it, and MYCO_VAULT_DIR is not set`,
        hint: "run `myco init` in the project root, or pass --vault DIR, or set MYCO_VAULT_DIR",
        fix: "myco init"
      })
    )
  })

const noVaultAt = (dir: string, source: string, fix: string): ConfigError =>
  new ConfigError({
    message: `no vault at ${dir} (from ${source})`,
    hint: "create it, or point at a directory that has one",
    fix,
    path: dir
  })
