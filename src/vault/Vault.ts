/**
 * The vault: the `.myco/` directory of a project, and how a command finds it.
 *
 * Resolution order (docs/architecture.md): `--vault DIR` > the nearest `.myco/` walking up from
 * the working directory > `MYCO_VAULT_DIR` > ConfigError. DIR (flag or env) may name the project
 * directory or its `.myco/` directly.
 */
import * as path from "node:path"
import { Effect } from "effect"
import { ConfigError } from "../domain/Failure.js"
import { type LocatedBy, type LocateInput, locateVault, VAULT_DIR_NAME, VAULT_ENV } from "../lean/VaultLocation.js"

export { VAULT_DIR_NAME, vaultDirOf } from "../lean/VaultLocation.js"

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
  /** The record of a damaged database (see DamageRecord.ts); absent while the database is sound. */
  readonly damaged: string
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
    damaged: path.join(abs, "damaged.json"),
    projectFile: path.join(abs, "project.json"),
    gitignore: path.join(abs, ".gitignore")
  }
}

/** Where resolution looks: the parsed `--vault` flag, the working directory, the environment. */
export type ResolveInput = LocateInput

/** How the vault was found, for `myco doctor`. */
export type ResolvedBy = LocatedBy

/** A vault found by resolution. */
export interface ResolvedVault {
  readonly paths: VaultPaths
  readonly by: ResolvedBy
}

/** Resolves the vault (the same algorithm as the hook's: lean/VaultLocation.ts), or fails with a ConfigError saying how to make one. */
export const resolveVault = (input: ResolveInput): Effect.Effect<ResolvedVault, ConfigError> =>
  Effect.suspend((): Effect.Effect<ResolvedVault, ConfigError> => {
    const located = locateVault(input)
    switch (located._tag) {
      case "Found":
        return Effect.succeed({ paths: vaultPaths(located.dir), by: located.by })
      case "NoVaultAt":
        return Effect.fail(
          new ConfigError({
            message: `no vault at ${located.dir} (from ${located.source})`,
            hint: "create it, or point at a directory that has one",
            fix: `myco init --vault ${path.dirname(located.dir)}`,
            path: located.dir
          })
        )
      case "NoVault":
        return Effect.fail(
          new ConfigError({
            message: `no vault here: no ${VAULT_DIR_NAME}/ in ${located.cwd} or above it, and ${VAULT_ENV} is not set`,
            hint: `run \`myco init\` in the project root, or pass --vault DIR, or set ${VAULT_ENV}`,
            fix: "myco init"
          })
        )
    }
  })
