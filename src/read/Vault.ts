/**
 * The vault as the read path finds it: with the CLI's own algorithm (lean/VaultLocation.ts), and
 * only when every check the full CLI makes before a read command would pass without an error and
 * without changing anything. The full CLI creates a missing project id, machine id or database and
 * applies pending migrations; it reports a myco.yaml that does not validate, a project.json that
 * does not parse, a vault that is not there. Each of those is left to it: the read path answers
 * only where the full CLI's answer would be the data, and says why not otherwise.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { BUILD_ID } from "../lean/Build.js"
import { knownValidConfig, userDir, type ValidConfig } from "../lean/ConfigCache.js"
import { UUID_PATTERN } from "../lean/Names.js"
import { readVaultFile } from "../lean/SafeFs.js"
import { locateVault } from "../lean/VaultLocation.js"

/** What the read path needs of a vault. */
export interface ReadableVault {
  /** The `.myco/` directory. */
  readonly dir: string
  readonly db: string
  readonly run: string
  readonly config: ValidConfig
}

/** The vault, or why the full CLI should handle the command. */
export type VaultOutcome = { readonly ok: true; readonly vault: ReadableVault } | { readonly ok: false; readonly reason: string }

/** Largest myco.yaml, project.json or machine-id read here; larger ones go to the full CLI. */
const MAX_SMALL_FILE_BYTES = 1024 * 1024

const refuse = (reason: string): VaultOutcome => ({ ok: false, reason })

/**
 * A small file's text as the full CLI reads it, or undefined when it is absent; `null` when it is
 * there but not a plain file of ours within bounds (the full CLI may read it, or fail: its call).
 */
const readSmallFile = (file: string): string | undefined | null => {
  const read = readVaultFile(file, { maxBytes: MAX_SMALL_FILE_BYTES })
  if (read.ok) return read.text
  return read.reason === "missing" ? undefined : null
}

/** Whether `text` (project.json) decodes as the full CLI's ProjectFile schema would accept it. */
const isProjectFile = (text: string): boolean => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return false
  }
  return (
    typeof parsed === "object" &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    "id" in parsed &&
    typeof parsed.id === "string" &&
    UUID_PATTERN.test(parsed.id) &&
    "created_at" in parsed &&
    typeof parsed.created_at === "string"
  )
}

const isWritable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK)
    return true
  } catch {
    // Missing, or not ours to write: the full CLI creates it, or reports it.
    return false
  }
}

/**
 * Finds the vault for `--vault` (or the working directory, or MYCO_VAULT_DIR) and checks it for
 * reading; `database`: the command reads the database (`myco status` does not).
 */
export const openVaultForReading = (
  flag: string | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
  options: { readonly database: boolean }
): VaultOutcome => {
  const build = BUILD_ID
  if (build === undefined) return refuse("not a bundled build")
  const located = locateVault({ flag, cwd, env: env["MYCO_VAULT_DIR"] })
  if (located._tag !== "Found") return refuse("no vault found")
  const dir = located.dir

  // myco.yaml: valid, as this build's full CLI found this very text (lean/ConfigCache.ts).
  const configText = readSmallFile(path.join(dir, "myco.yaml"))
  if (configText === null) return refuse("myco.yaml is not a plain file of ours")
  const config = knownValidConfig(env, build, configText ?? "")
  if (config === undefined) return refuse("myco.yaml not known to be valid")

  // project.json and the machine id: present and well-formed (the full CLI creates missing ones).
  const projectText = readSmallFile(path.join(dir, "project.json"))
  if (projectText === undefined || projectText === null || !isProjectFile(projectText.trim())) return refuse("project.json")
  const machineText = readSmallFile(path.join(userDir(env), "machine-id"))
  if (machineText === undefined || machineText === null || !UUID_PATTERN.test(machineText.trim())) return refuse("machine-id")

  // The database: there already (the full CLI would create it), and ours to write (it opens it so).
  const db = path.join(dir, "myco.db")
  if (options.database && !isWritable(db)) return refuse("myco.db is missing or not writable")
  return { ok: true, vault: { dir, db, run: path.join(dir, "run"), config } }
}
