/**
 * Where harness manifests come from, and how they are judged: the built-in harnesses, and the
 * project's `.agents/harnesses/*.yaml`, read defensively (a bounded number of files, each bounded
 * in size, no symbolic link followed, no file of another user read: they steer what runs) and
 * validated with the same error quality as myco.yaml (each problem with its path, what was
 * expected and what was found; an unknown key with the closest valid key). The defaults come from
 * myco.yaml's `harness` section. A manifest that is invalid is reported on its own; it never
 * stops the others from loading.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Either, Schema } from "effect"
import { ConfigError } from "../domain/Failure.js"
import { currentUid, isOwnedBy, readVaultFile } from "../lean/SafeFs.js"
import {
  bool,
  expecting,
  HarnessCircuitConfig,
  HarnessLimitsConfig,
  HarnessName,
  isMapping,
  type MycoConfig,
  parseYaml,
  positiveInt,
  schemaProblems,
  section,
  show,
  unknownKeys,
  withDefaults
} from "../vault/Config.js"
import { type HarnessManifest, LlmProvider, RuntimeKind } from "./Manifest.js"
import { LOCAL_PROVIDERS } from "./runtimes/Llm.js"

/** The capabilities of the built-in tasks (the task kinds the built-in harness serves). */
export const BUILTIN_CAPABILITIES: ReadonlyArray<string> = ["title-summary", "extract", "digest", "reconcile"]

/** The name of the built-in harness. */
export const BUILTIN_HARNESS = "builtin"

/** `.agents/harnesses` under the project root. */
export const manifestDir = (projectRoot: string): string => path.join(projectRoot, ".agents", "harnesses")

/** Bounds of discovery: manifests are small, and there are few. */
export const MAX_MANIFEST_FILES = 64
export const MAX_MANIFEST_BYTES = 64 * 1024

const toolName = expecting(Schema.String.pipe(Schema.pattern(/^[a-z][a-z0-9_]{0,63}$/)), "a tool name (a-z, 0-9, _)")
const envName = expecting(Schema.String.pipe(Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/)), "an environment variable name")
const text = expecting(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4096)), "a non-empty string")
const url = expecting(Schema.String.pipe(Schema.pattern(/^https?:\/\/[^\s]+$/)), "an http:// or https:// URL")

/** A manifest file, every key present (defaults are merged in before decoding). */
const ManifestFile = Schema.Struct({
  name: HarnessName,
  runtime: expecting(RuntimeKind, "one of builtin, process, llm, claude-code"),
  capabilities: expecting(Schema.Array(HarnessName).pipe(Schema.minItems(1)), "a non-empty list of capability names"),
  concurrency: positiveInt(1, 64),
  limits: section(HarnessLimitsConfig),
  tools: section(Schema.Struct({ allow: Schema.Array(toolName), read_only: bool })),
  circuit: section(HarnessCircuitConfig),
  env: section(Schema.Struct({ pass: Schema.Array(envName) })),
  process: Schema.optional(
    section(
      Schema.Struct({
        command: expecting(Schema.NonEmptyArray(Schema.String.pipe(Schema.minLength(1))), "a non-empty list of strings (argv)"),
        cwd: Schema.optional(text)
      })
    )
  ),
  llm: Schema.optional(
    section(
      Schema.Struct({
        provider: expecting(LlmProvider, "one of anthropic, openai, ollama, lmstudio, openai-compatible"),
        model: text,
        base_url: Schema.optional(url),
        api_key_env: Schema.optional(envName)
      })
    )
  ),
  "claude-code": Schema.optional(
    section(Schema.Struct({ binary: text, model: Schema.optional(text), base_url: Schema.optional(url) }))
  )
})

/** Every valid key of a manifest (values do not matter, only the shape of mappings). */
const manifestTree = {
  name: "",
  runtime: "",
  capabilities: [],
  concurrency: 1,
  limits: { timeout: 0, memory: 0, output: 0, turns: 0, tokens: 0 },
  tools: { allow: [], read_only: true },
  circuit: { failures: 0, cooldown: 0 },
  env: { pass: [] },
  process: { command: [], cwd: "" },
  llm: { provider: "", model: "", base_url: "", api_key_env: "" },
  "claude-code": { binary: "", model: "", base_url: "" }
}

const RUNTIME_SECTIONS = ["process", "llm", "claude-code"] as const

const encodeLimits = Schema.encodeSync(HarnessLimitsConfig)
const encodeCircuit = Schema.encodeSync(HarnessCircuitConfig)

/** The defaults a manifest file is laid over, from myco.yaml's `harness` section. */
const fileDefaults = (config: MycoConfig, name: string) => ({
  name,
  concurrency: config.harness.concurrency,
  limits: encodeLimits(config.harness.limits),
  tools: { allow: [], read_only: true },
  circuit: encodeCircuit(config.harness.circuit),
  env: { pass: [] }
})

/** A harness whose manifest could not be used, and why. */
export interface InvalidManifest {
  readonly _tag: "Invalid"
  /** The harness's name (from the file, or its file name when the file says none). */
  readonly name: string
  readonly source: string
  readonly problems: ReadonlyArray<string>
}

/** A valid manifest. */
export interface ValidManifest {
  readonly _tag: "Valid"
  readonly manifest: HarnessManifest
}

export type ManifestEntry = ValidManifest | InvalidManifest

/** The error a manifest's problems make, with the fix (for doctor and the CLI). */
export const manifestError = (entry: InvalidManifest): ConfigError =>
  new ConfigError({
    message: `harness ${entry.name} (${entry.source}) is invalid:\n${entry.problems.map((p) => `  - ${p}`).join("\n")}`,
    hint: "edit the manifest to fix each problem listed (docs/harnesses.md documents every key)",
    fix: `myco harness check ${entry.name}`,
    path: entry.source
  })

/**
 * Parses and validates the text of one manifest; `file` names it in messages and its stem is the
 * harness's name when the manifest says none. Every problem is reported at once.
 */
export const parseManifest = (text: string, file: string, config: MycoConfig): Either.Either<HarnessManifest, ReadonlyArray<string>> => {
  const parsed = parseYaml(text)
  if (Either.isLeft(parsed)) return Either.left(parsed.left)
  const raw = parsed.right
  if (!isMapping(raw)) return Either.left([`expected a mapping of keys at the top level, found ${show(raw)}`])
  const stem = path.basename(file).replace(/\.ya?ml$/, "")
  const unknown = unknownKeys(raw, manifestTree, "", new Set())
  const problems: Array<string> = [...unknown]
  if (raw["runtime"] === undefined) problems.push("runtime: missing (one of builtin, process, llm, claude-code)")
  if (raw["capabilities"] === undefined) problems.push("capabilities: missing (the task kinds it serves, e.g. [title-summary])")
  const decoded = Schema.decodeUnknownEither(ManifestFile, { errors: "all", onExcessProperty: "ignore" })(
    withDefaults(raw, fileDefaults(config, stem))
  )
  if (Either.isLeft(decoded)) {
    problems.push(
      ...schemaProblems(decoded.left).filter(
        (p) => !(raw["runtime"] === undefined && p.startsWith("runtime:")) && !(raw["capabilities"] === undefined && p.startsWith("capabilities:"))
      )
    )
    return Either.left(problems)
  }
  const m = decoded.right
  for (const key of RUNTIME_SECTIONS) {
    if (m[key] !== undefined && m.runtime !== key) problems.push(`${key}: only for runtime ${key} (this harness's runtime is ${m.runtime})`)
  }
  if (m.runtime === "process" && m.process === undefined) problems.push("process.command: missing (the argv of the executable, e.g. [python3, harness.py])")
  if (m.runtime === "llm" && m.llm === undefined) problems.push("llm: missing (provider and model at least)")
  if (m.llm !== undefined && m.llm.provider === "openai-compatible" && m.llm.base_url === undefined) {
    problems.push("llm.base_url: missing (an openai-compatible provider needs the URL of its server)")
  }
  if (m.runtime === "builtin" && m.limits.memory !== 0 && raw["limits"] !== undefined && isMapping(raw["limits"]) && raw["limits"]["memory"] !== undefined) {
    problems.push("limits.memory: a builtin harness runs inside myco and cannot be held to a memory limit: leave it out")
  }
  if (problems.length > 0) return Either.left(problems)
  return Either.right({
    name: m.name,
    runtime: m.runtime,
    capabilities: m.capabilities,
    concurrency: m.concurrency,
    // Only a process group has a memory to measure: in-process and remote runtimes count for 0.
    // A local model needs several times the turns of a cloud one: unless the manifest sets
    // `limits.turns`, a local provider gets LOCAL_TURNS_FACTOR times the default.
    limits: {
      ...m.limits,
      memory: m.runtime === "builtin" || m.runtime === "llm" ? 0 : m.limits.memory,
      turns:
        m.llm !== undefined && LOCAL_PROVIDERS.has(m.llm.provider) && !(isMapping(raw["limits"]) && raw["limits"]["turns"] !== undefined)
          ? m.limits.turns * LOCAL_TURNS_FACTOR
          : m.limits.turns
    },
    tools: m.tools,
    circuit: m.circuit,
    env: m.env,
    ...(m.process === undefined ? {} : { process: m.process }),
    ...(m.llm === undefined ? {} : { llm: m.llm }),
    ...(m.runtime === "claude-code" ? { "claude-code": m["claude-code"] ?? { binary: "claude" } } : {}),
    source: file
  })
}

/** The built-in harnesses: `builtin`, in-process, serving the built-in tasks, no tools. */
/** How many times the default turn budget a local model (Ollama, LM Studio) gets. */
export const LOCAL_TURNS_FACTOR = 4

export const builtinManifests = (config: MycoConfig): ReadonlyArray<HarnessManifest> => [
  {
    name: BUILTIN_HARNESS,
    runtime: "builtin",
    capabilities: BUILTIN_CAPABILITIES,
    concurrency: config.harness.concurrency,
    limits: { ...config.harness.limits, memory: 0 },
    tools: { allow: [], read_only: true },
    circuit: config.harness.circuit,
    env: { pass: [] },
    source: "builtin"
  }
]

/** What discovery found: every harness, valid or not, built-in ones first, then by file name. */
export interface Discovery {
  readonly entries: ReadonlyArray<ManifestEntry>
  /** The directory looked in. */
  readonly dir: string
}

const invalid = (name: string, source: string, problems: ReadonlyArray<string>): InvalidManifest => ({ _tag: "Invalid", name, source, problems })

/**
 * Finds and validates every harness: the built-in ones and `<project>/.agents/harnesses/*.yaml`
 * (and `.yml`). The directory must be a real directory of ours; each file is read without
 * following links, refused when it is another user's or larger than {@link MAX_MANIFEST_BYTES};
 * past {@link MAX_MANIFEST_FILES} files the rest are reported, not read. Never throws.
 */
export const discoverManifests = (projectRoot: string, config: MycoConfig): Discovery => {
  const dir = manifestDir(projectRoot)
  const entries: Array<ManifestEntry> = builtinManifests(config).map((manifest) => ({ _tag: "Valid", manifest }))
  let stat: fs.Stats | undefined
  try {
    stat = fs.lstatSync(dir)
  } catch {
    return { entries, dir }
  }
  const rel = path.relative(projectRoot, dir)
  if (stat.isSymbolicLink() || !stat.isDirectory()) {
    entries.push(invalid(rel, rel, [`${rel} is ${stat.isSymbolicLink() ? "a symbolic link" : "not a directory"}: manifests are read from a real directory only`]))
    return { entries, dir }
  }
  if (!isOwnedBy(stat, currentUid())) {
    entries.push(invalid(rel, rel, [`${rel} belongs to another user: its manifests are not read`]))
    return { entries, dir }
  }
  let names: Array<string>
  try {
    names = fs
      .readdirSync(dir)
      .filter((n) => /\.ya?ml$/.test(n) && !n.startsWith("."))
      .sort()
  } catch (error) {
    entries.push(invalid(rel, rel, [`cannot list ${rel}: ${error instanceof Error ? error.message : String(error)}`]))
    return { entries, dir }
  }
  const seen = new Map<string, string>(entries.map((e) => [e._tag === "Valid" ? e.manifest.name : e.name, "built in"]))
  names.forEach((fileName, index) => {
    const source = path.join(rel, fileName)
    const stem = fileName.replace(/\.ya?ml$/, "")
    if (index >= MAX_MANIFEST_FILES) {
      entries.push(invalid(stem, source, [`more than ${MAX_MANIFEST_FILES} manifests in ${rel}: this one was not read`]))
      return
    }
    const read = readVaultFile(path.join(dir, fileName), { maxBytes: MAX_MANIFEST_BYTES })
    if (!read.ok) {
      const why =
        read.reason === "symlink"
          ? "is a symbolic link: manifests are never followed through links"
          : read.reason === "foreign-owner"
            ? "belongs to another user: it is not read"
            : read.reason === "too-large"
              ? `is larger than ${MAX_MANIFEST_BYTES} bytes`
              : read.reason === "not-regular"
                ? "is not a regular file"
                : `cannot be read (${read.message})`
      entries.push(invalid(stem, source, [`${source} ${why}`]))
      return
    }
    const parsed = parseManifest(read.text, source, config)
    if (Either.isLeft(parsed)) {
      entries.push(invalid(stem, source, parsed.left))
      return
    }
    const other = seen.get(parsed.right.name)
    if (other !== undefined) {
      entries.push(invalid(parsed.right.name, source, [`name: ${parsed.right.name} is taken (${other}): give this harness another name`]))
      return
    }
    seen.set(parsed.right.name, source)
    entries.push({ _tag: "Valid", manifest: parsed.right })
  })
  return { entries, dir }
}

/** The name of an entry. */
export const entryName = (entry: ManifestEntry): string => (entry._tag === "Valid" ? entry.manifest.name : entry.name)
