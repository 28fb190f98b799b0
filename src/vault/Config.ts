/**
 * myco.yaml: the vault's configuration. Every key has a default, so an empty file is a valid
 * config. Loading reports every problem at once, each with its path, what was expected and what
 * was found; an unknown key is reported with the closest valid key.
 *
 * myco.yaml.example at the repository root documents every key; a test keeps the two in step.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { parseDocument } from "yaml"
import { ConfigError } from "../domain/Failure.js"
import { AGENT_NAMES } from "../agents/index.js"
import { AgentName } from "../domain/Ids.js"
import { CLI_AGENT } from "../lean/Names.js"

/** A found value, in words, for "expected X, found Y" messages. */
export const show = (value: unknown): string => {
  if (value === undefined) return "nothing"
  if (value === null) return "null"
  if (typeof value === "string") return JSON.stringify(value)
  if (Array.isArray(value)) return "a list"
  if (typeof value === "object") return "a mapping"
  return String(value)
}

/** Annotates a schema so that its failures read "expected <description>, found <value>". */
export const expecting = <A, I>(schema: Schema.Schema<A, I>, description: string): Schema.Schema<A, I> =>
  schema.annotations({
    message: (issue) => ({ message: `expected ${description}, found ${show(issue.actual)}`, override: true })
  })

/** An integer from `min` to `max`, with a message that says so. */
export const positiveInt = (min: number, max: number) =>
  expecting(Schema.Int.pipe(Schema.between(min, max)), `an integer from ${min} to ${max}`)

/** A config section: when it is not a mapping at all, say so instead of listing its schema. */
export const section = <A, I>(schema: Schema.Schema<A, I>): Schema.Schema<A, I> =>
  schema.annotations({
    message: (issue) => `expected a mapping of keys, found ${show(issue.actual)}`
  })

export const bool = expecting(Schema.Boolean, "true or false")

const agentList = Schema.Array(expecting(AgentName, "an agent name (a-z, 0-9, -)"))

/** `agents`: which agents may create sessions in this vault. */
const AgentsConfig = Schema.Struct({ allowed: agentList })

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** A duration written as a number and a unit: `250ms`, `30s`, `15m`, `2h`, `7d`; `0` means never. */
export const DurationText = Schema.transformOrFail(Schema.Union(Schema.String, Schema.Number), Schema.NonNegativeInt, {
  strict: true,
  decode: (input, _, ast) => {
    // YAML reads a bare 0 as a number; any other bare number lacks its unit.
    const text = String(input)
    const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim())
    const suffix = match?.[2]
    const unit = Object.entries(UNIT_MS).find(([name]) => name === suffix)?.[1]
    if (match === null || (unit === undefined && match[1] !== "0")) {
      return ParseResult.fail(new ParseResult.Type(ast, input))
    }
    return ParseResult.succeed(Number(match[1]) * (unit ?? 0))
  },
  encode: (ms) => {
    for (const [unit, size] of [["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
      if (ms !== 0 && ms % size === 0) return ParseResult.succeed(`${ms / size}${unit}`)
    }
    return ParseResult.succeed(ms === 0 ? "0" : `${ms}ms`)
  }
})

/** A duration key, with the message myco.yaml gives. */
export const duration = expecting(DurationText, "a duration such as 250ms, 30s, 15m, 2h or 7d (0 for never)")

const UNIT_BYTES = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4, KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3 } as const

/**
 * A size written as a number and a unit: `512B`, `64KiB`, `512MiB`, `2GiB` (binary units; KB, MB,
 * GB are decimal); a bare integer is a number of bytes, and `0` means no limit where a key says so.
 */
export const SizeText = Schema.transformOrFail(Schema.Union(Schema.String, Schema.Number), Schema.NonNegativeInt, {
  strict: true,
  decode: (input, _, ast) => {
    const match = /^(\d+)\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB)?$/.exec(String(input).trim())
    const suffix = match?.[2]
    const unit = suffix === undefined ? 1 : Object.entries(UNIT_BYTES).find(([name]) => name === suffix)?.[1]
    const bytes = match === null || unit === undefined ? Number.NaN : Number(match[1]) * unit
    if (!Number.isSafeInteger(bytes)) return ParseResult.fail(new ParseResult.Type(ast, input))
    return ParseResult.succeed(bytes)
  },
  encode: (bytes) => {
    for (const [unit, size] of [["TiB", 1024 ** 4], ["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
      if (bytes !== 0 && bytes % size === 0) return ParseResult.succeed(`${bytes / size}${unit}`)
    }
    return ParseResult.succeed(bytes === 0 ? "0" : `${bytes}B`)
  }
})

/** A size key: `512MiB`, `64KiB`, `1GiB` or a number of bytes. */
export const size = expecting(SizeText, "a size such as 64KiB, 512MiB or 2GiB (or a number of bytes)")

/** A name of a harness or a capability: lower case letters, digits and dashes. */
export const HarnessName = expecting(
  Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9-]{0,62}$/)),
  "a name of lower-case letters, digits and dashes (at most 63)"
)

/** The default limits of a harness (a manifest's `limits` overrides them key by key). */
export const HarnessLimitsConfig = Schema.Struct({
  timeout: duration,
  memory: size,
  output: size,
  turns: positiveInt(1, 10_000),
  tokens: positiveInt(1, 100_000_000)
})

/** The default circuit breaker of a harness. */
export const HarnessCircuitConfig = Schema.Struct({ failures: positiveInt(1, 1000), cooldown: duration })

/** `harness`: how intelligence runs are scheduled on the harnesses, and their defaults. */
const HarnessConfig = Schema.Struct({
  max_concurrent: positiveInt(1, 256),
  memory_budget: size,
  transient_retries: positiveInt(0, 20),
  preference: Schema.Record({ key: HarnessName, value: Schema.Array(HarnessName) }),
  concurrency: positiveInt(1, 64),
  limits: section(HarnessLimitsConfig),
  circuit: section(HarnessCircuitConfig)
})

/** `sessions`: defaults for new sessions, and when an idle one is completed. */
const SessionsConfig = Schema.Struct({ capture: bool, intelligence: bool, idle_timeout: duration })

/** `daemon`: the supervisor process (`myco run`). */
const DaemonConfig = Schema.Struct({
  idle_exit: duration,
  max_frame_bytes: positiveInt(64 * 1024, 256 * 1024 * 1024),
  max_frame_depth: positiveInt(16, 1024),
  max_connections: positiveInt(4, 65_536),
  max_buffered_bytes: positiveInt(1024 * 1024, 4 * 1024 * 1024 * 1024),
  ingest_queue: positiveInt(16, 1_000_000),
  max_batch_events: positiveInt(1, 100_000),
  spool_reserve_bytes: positiveInt(0, 1024 * 1024 * 1024)
})

/** `capture`: the capture boundary given to each new session. */
const CaptureConfig = Schema.Struct({
  outside_scope: expecting(Schema.Literal("record", "drop"), "record or drop"),
  exclude_paths: Schema.Array(expecting(Schema.NonEmptyString, "a non-empty path glob")),
  redact_secrets: bool,
  max_field_bytes: positiveInt(256, 16 * 1024 * 1024),
  max_event_bytes: positiveInt(1024, 64 * 1024 * 1024)
})

/** `store`: how the vault's SQLite database is used, and how often the supervisor checks it. */
const StoreConfig = Schema.Struct({
  busy_timeout_ms: positiveInt(0, 600_000),
  retry_attempts: positiveInt(0, 100),
  retry_base_delay_ms: positiveInt(1, 10_000),
  checkpoint_interval: duration,
  quick_check_interval: duration
})

/** The whole of myco.yaml, every key present (defaults are merged in before decoding). */
export const MycoConfig = Schema.Struct({
  version: expecting(Schema.Literal(1), "1 (the only config version so far)"),
  agents: section(AgentsConfig),
  sessions: section(SessionsConfig),
  capture: section(CaptureConfig),
  store: section(StoreConfig),
  daemon: section(DaemonConfig),
  harness: section(HarnessConfig)
})
export type MycoConfig = typeof MycoConfig.Type

/** Paths whose content is never captured: credentials and keys. */
export const DEFAULT_EXCLUDE_PATHS: ReadonlyArray<string> = [
  ".env",
  ".env.*",
  "*.pem",
  "*.key",
  "*.p12",
  "*.pfx",
  "id_*",
  ".ssh/**",
  ".aws/**",
  ".netrc",
  ".npmrc",
  ".pypirc",
  "**/secrets/**"
]

/** The default of every key, in myco.yaml's shape: also the tree of every valid key. */
export const defaultConfigTree: typeof MycoConfig.Encoded = {
  version: 1,
  agents: { allowed: [...AGENT_NAMES, CLI_AGENT] },
  sessions: { capture: true, intelligence: true, idle_timeout: "30m" },
  capture: {
    outside_scope: "record",
    exclude_paths: [...DEFAULT_EXCLUDE_PATHS],
    redact_secrets: true,
    max_field_bytes: 64 * 1024,
    max_event_bytes: 256 * 1024
  },
  store: { busy_timeout_ms: 5000, retry_attempts: 8, retry_base_delay_ms: 10, checkpoint_interval: "1m", quick_check_interval: "5m" },
  daemon: {
    idle_exit: "15m",
    max_frame_bytes: 8 * 1024 * 1024,
    max_frame_depth: 128,
    max_connections: 256,
    max_buffered_bytes: 64 * 1024 * 1024,
    ingest_queue: 4096,
    max_batch_events: 2000,
    spool_reserve_bytes: 4 * 1024 * 1024
  },
  harness: {
    max_concurrent: 2,
    memory_budget: "2GiB",
    transient_retries: 3,
    preference: {},
    concurrency: 1,
    limits: { timeout: "5m", memory: "512MiB", output: "1MiB", turns: 20, tokens: 200_000 },
    circuit: { failures: 3, cooldown: "5m" }
  }
}

/** The configuration an empty myco.yaml gives. */
export const defaultConfig: MycoConfig = Schema.decodeUnknownSync(MycoConfig)(defaultConfigTree)

export const isMapping = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** `raw` laid over `defaults`: mappings merge key by key, anything else replaces. */
export const withDefaults = (raw: unknown, defaults: unknown): unknown => {
  if (!isMapping(raw) || !isMapping(defaults)) return raw === undefined || raw === null ? defaults : raw
  const merged: Record<string, unknown> = { ...defaults }
  for (const [key, value] of Object.entries(raw)) merged[key] = key in defaults ? withDefaults(value, defaults[key]) : value
  return merged
}

/** Edit distance, for "did you mean" suggestions. */
const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost))
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/** The valid key closest to `key`, when one is close enough to be a likely typo. */
export const closestKey = (key: string, valid: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of valid) {
    const d = distance(key.toLowerCase().replaceAll("-", "_"), candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined
}

/** Mappings whose keys are the user's own (capability names), not keys of the config. */
const FREE_FORM_PATHS: ReadonlySet<string> = new Set(["harness.preference"])

/**
 * Every key in `raw` that `tree` (the tree of valid keys) does not know, with the closest valid
 * key at that level. Mappings at `freeForm` paths hold the user's own keys and are not checked.
 */
export const unknownKeys = (raw: unknown, tree: unknown, prefix: string, freeForm: ReadonlySet<string> = FREE_FORM_PATHS): ReadonlyArray<string> => {
  if (!isMapping(raw) || !isMapping(tree) || freeForm.has(prefix)) return []
  const problems: Array<string> = []
  const valid = Object.keys(tree)
  for (const [key, value] of Object.entries(raw)) {
    const path = prefix === "" ? key : `${prefix}.${key}`
    if (!(key in tree)) {
      const suggestion = closestKey(key, valid)
      const where = prefix === "" ? "at the top level" : `under ${prefix}`
      problems.push(
        suggestion === undefined
          ? `${path}: unknown key (valid keys ${where}: ${valid.join(", ")})`
          : `${path}: unknown key; did you mean ${prefix === "" ? suggestion : `${prefix}.${suggestion}`}?`
      )
    } else {
      problems.push(...unknownKeys(value, tree[key], path, freeForm))
    }
  }
  return problems
}

/** A parse error as one line per problem: `path: expected ..., found ...`. */
export const schemaProblems = (error: ParseResult.ParseError): ReadonlyArray<string> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => {
    const path = issue.path.map(String).join(".")
    return path === "" ? issue.message : `${path}: ${issue.message}`
  })

const configError = (file: string, problems: ReadonlyArray<string>): ConfigError =>
  new ConfigError({
    message: `${file} is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    hint: "edit the file to fix each problem listed (myco.yaml.example documents every key and its default)",
    fix: "myco doctor",
    path: file
  })

/**
 * Parses YAML text (duplicate keys refused) into plain data, or the syntax problems, one line each
 * with its line and column. An empty document is an empty mapping.
 */
export const parseYaml = (text: string): Either.Either<unknown, ReadonlyArray<string>> => {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (document.errors.length > 0) {
    return Either.left(
      document.errors.map((e) => {
        const at = e.linePos?.[0]
        return at === undefined ? `YAML: ${e.message}` : `line ${at.line}, column ${at.col}: ${(e.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`
      })
    )
  }
  // An unresolved alias, or aliases expanding past the bound, throw while converting.
  try {
    const raw: unknown = document.toJS({ maxAliasCount: 100 })
    return Either.right(raw ?? {})
  } catch (error) {
    return Either.left([`YAML: ${error instanceof Error ? error.message : String(error)}`])
  }
}

/**
 * Parses and validates the text of a myco.yaml. `file` is only used in messages.
 * Every problem is reported at once: YAML syntax, unknown keys, wrong values.
 */
export const parseConfig = (text: string, file: string): Either.Either<MycoConfig, ConfigError> => {
  const parsed = parseYaml(text)
  if (Either.isLeft(parsed)) return Either.left(configError(file, parsed.left))
  const raw = parsed.right
  if (!isMapping(raw)) {
    return Either.left(configError(file, [`expected a mapping of keys at the top level, found ${show(raw)}`]))
  }
  const unknown = unknownKeys(raw, defaultConfigTree, "")
  const decoded = Schema.decodeUnknownEither(MycoConfig, { errors: "all", onExcessProperty: "ignore" })(
    withDefaults(raw, defaultConfigTree)
  )
  const problems = [...unknown, ...(Either.isLeft(decoded) ? schemaProblems(decoded.left) : [])]
  if (problems.length > 0 || Either.isLeft(decoded)) return Either.left(configError(file, problems))
  return Either.right(decoded.right)
}

/** Effectful variant of `parseConfig`. */
export const decodeConfig = (text: string, file: string): Effect.Effect<MycoConfig, ConfigError> =>
  Either.match(parseConfig(text, file), { onLeft: Effect.fail, onRight: Effect.succeed })
