/**
 * The myco.yaml texts this build of myco has found valid, remembered in the user's myco directory
 * (`valid-configs.json`), so that the read path (read/), which loads neither the YAML parser nor
 * the config's schema, can tell that a vault's myco.yaml would load without an error, and with
 * which store settings. The full CLI validates myco.yaml with its schema (vault/Config.ts) on every
 * command and records each text it found valid here; the read path answers only for a text
 * recorded by the same build (lean/Build.ts) and leaves any other to the full CLI, which validates
 * it and records it. The schema stays the only judge of validity: this is a cache of its verdicts.
 *
 * Entries are keyed by a SHA-256 of the build id and the text (the file holds no config text), the
 * newest first, at most {@link MAX_ENTRIES}. The file is private (0600, never followed if it is a
 * link, bounded when read); a file that cannot be read or written only costs speed.
 *
 * Effect-free, and imports only Node's own modules.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { PRIVATE_DIR_MODE, readVaultFile, writePrivateAtomic } from "./SafeFs.js"

/**
 * The per-user myco directory: `$MYCO_HOME`, else `$XDG_CONFIG_HOME/myco`, else `~/.config/myco`.
 */
export const userDir = (env: NodeJS.ProcessEnv): string => {
  if (env["MYCO_HOME"] !== undefined && env["MYCO_HOME"] !== "") return path.resolve(env["MYCO_HOME"])
  const xdg = env["XDG_CONFIG_HOME"]
  const base = xdg !== undefined && xdg !== "" ? xdg : path.join(env["HOME"] ?? os.homedir(), ".config")
  return path.join(base, "myco")
}

/** The file of remembered verdicts, in the user's myco directory. */
export const configCacheFile = (env: NodeJS.ProcessEnv): string => path.join(userDir(env), "valid-configs.json")

/** What the read path needs of a valid myco.yaml. */
export interface ValidConfig {
  /** `store.busy_timeout_ms`. */
  readonly busyTimeoutMs: number
}

interface Entry extends ValidConfig {
  readonly key: string
}

/** The most verdicts kept: a few vaults' configs, across a few builds. */
const MAX_ENTRIES = 32

/** The largest cache file read: 32 entries take some 3 KB. */
const MAX_FILE_BYTES = 64 * 1024

const keyOf = (build: string, text: string): string => createHash("sha256").update(`${build}\0${text}`).digest("hex")

const isEntry = (u: unknown): u is Entry =>
  typeof u === "object" &&
  u !== null &&
  "key" in u &&
  typeof u.key === "string" &&
  "busyTimeoutMs" in u &&
  typeof u.busyTimeoutMs === "number" &&
  Number.isSafeInteger(u.busyTimeoutMs) &&
  u.busyTimeoutMs >= 0

/** The entries of the cache file; none when it is absent, planted, too large or not ours. */
const readEntries = (file: string): ReadonlyArray<Entry> => {
  const read = readVaultFile(file, { maxBytes: MAX_FILE_BYTES })
  if (!read.ok) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(read.text)
  } catch {
    // Half-written by another process (renames make that unlikely), or edited: remember afresh.
    return []
  }
  if (typeof parsed !== "object" || parsed === null || !("entries" in parsed) || !Array.isArray(parsed.entries)) return []
  const entries: Array<Entry> = []
  for (const entry of parsed.entries) if (isEntry(entry)) entries.push({ key: entry.key, busyTimeoutMs: entry.busyTimeoutMs })
  return entries
}

/** What build `build` recorded for this myco.yaml text, if it found it valid. */
export const knownValidConfig = (env: NodeJS.ProcessEnv, build: string, text: string): ValidConfig | undefined => {
  const key = keyOf(build, text)
  const entry = readEntries(configCacheFile(env)).find((e) => e.key === key)
  return entry === undefined ? undefined : { busyTimeoutMs: entry.busyTimeoutMs }
}

/**
 * Records that build `build` found this myco.yaml text valid, with its settings, unless it is
 * recorded already. Throws the file system's error (the caller decides that it only costs speed).
 */
export const rememberValidConfig = (env: NodeJS.ProcessEnv, build: string, text: string, config: ValidConfig): void => {
  const file = configCacheFile(env)
  const key = keyOf(build, text)
  const entries = readEntries(file)
  const known = entries.find((e) => e.key === key)
  if (known !== undefined && known.busyTimeoutMs === config.busyTimeoutMs) return
  const next = [{ key, busyTimeoutMs: config.busyTimeoutMs }, ...entries.filter((e) => e.key !== key)].slice(0, MAX_ENTRIES)
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE })
  writePrivateAtomic(file, `${JSON.stringify({ entries: next })}\n`)
}
