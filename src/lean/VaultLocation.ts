/**
 * How a command finds its vault: the one algorithm, shared by the hook (which loads no Effect) and
 * the CLI (vault/Vault.ts wraps it in Effect and turns its failures into ConfigErrors).
 *
 * Resolution order: `--vault DIR` > the nearest `.myco/` walking up from the working directory >
 * `MYCO_VAULT_DIR`. DIR (flag or environment) may name the project directory or its `.myco/`,
 * identically for both: MCP servers and some agents' hooks start with cwd=/, which is why the
 * environment fallback exists.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** Name of the vault directory inside a project. */
export const VAULT_DIR_NAME = ".myco"

/** The environment variable naming the vault when the working directory does not lead to one. */
export const VAULT_ENV = "MYCO_VAULT_DIR"

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

/** How the vault was found. */
export type LocatedBy = "flag" | "walk-up" | "env"

/** Where to look: the `--vault` flag, the working directory, `MYCO_VAULT_DIR`. */
export interface LocateInput {
  readonly flag: string | undefined
  readonly cwd: string
  readonly env: string | undefined
}

/** The outcome of locating a vault. */
export type Located =
  | { readonly _tag: "Found"; readonly dir: string; readonly by: LocatedBy }
  /** The flag or the environment names a directory that holds no vault. */
  | { readonly _tag: "NoVaultAt"; readonly dir: string; readonly source: string }
  /** Nothing names a vault, and none is above the working directory. */
  | { readonly _tag: "NoVault"; readonly cwd: string }

/** Finds the vault (its `.myco/` directory). Never throws. */
export const locateVault = (input: LocateInput): Located => {
  if (input.flag !== undefined) {
    const dir = vaultDirOf(path.resolve(input.cwd, input.flag))
    return isDirectory(dir) ? { _tag: "Found", dir, by: "flag" } : { _tag: "NoVaultAt", dir, source: `--vault ${input.flag}` }
  }
  for (let current = path.resolve(input.cwd); ; current = path.dirname(current)) {
    const candidate = path.join(current, VAULT_DIR_NAME)
    if (isDirectory(candidate)) return { _tag: "Found", dir: candidate, by: "walk-up" }
    if (path.dirname(current) === current) break
  }
  if (input.env !== undefined && input.env !== "") {
    const dir = vaultDirOf(input.env)
    return isDirectory(dir) ? { _tag: "Found", dir, by: "env" } : { _tag: "NoVaultAt", dir, source: `${VAULT_ENV}=${input.env}` }
  }
  return { _tag: "NoVault", cwd: path.resolve(input.cwd) }
}
