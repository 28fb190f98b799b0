/**
 * What every per-agent normaliser shares: lenient decoding of a hook payload against the agent's
 * published contract (a `struct` of optional typed fields), a reader that remembers which fields
 * were mapped onto canonical ones, and the assembly of the `NormalizedEvent`, whose `extra` keeps
 * every other field exactly as the agent sent it.
 *
 * Hooks run on the agent's critical path and agents change their payloads between releases, so
 * nothing here throws: a payload that is not an object, a field of the wrong type or a missing
 * field becomes a warning, the malformed value stays in `extra`, and the rest is still mapped.
 * A field is taken out of `extra` only when its value is represented as sent in the canonical
 * event; anything merely inspected or translated (a status, an aliased source) stays in `extra`.
 *
 * Effect-free on purpose: everything under agents/ is what myco knows about each agent, and the
 * hook binary (which must start in a few milliseconds and loads no Effect) bundles it for the
 * agents' replies and their field knowledge. The field types are therefore a tiny schema of their
 * own (string, list of strings, any JSON, object, nested struct); test/agents/contract.test.ts
 * checks that they accept and refuse exactly what the equivalent Effect Schemas do.
 */
import type { CanonicalData, CanonicalKind, CanonicalTool, NormalizedEvent, SessionSource } from "../domain/CanonicalEvent.js"
import { DEFAULT_MAX_JSON_DEPTH, parseJsonBounded } from "../lean/Json.js"
import { type ToolFields, toolTouches } from "./Tools.js"

/** A field type: a guard, and how a mismatch is described ("a string"). */
export interface FieldType<T> {
  readonly expected: string
  readonly is: (u: unknown) => u is T
}

/** The decoded shape of a struct's fields: each optional, and `null` read as absent. */
export type StructType<F> = { readonly [K in keyof F]?: (F[K] extends FieldType<infer T> ? T : never) | null }

/** A struct of optional fields (an agent's payload, or an object nested in it). */
export interface Struct<A> {
  readonly fields: Readonly<Record<string, FieldType<unknown>>>
  /** The decoded type, for inference only. */
  readonly _A?: A
}

/** The decoded type of a struct. */
export type TypeOf<S> = S extends Struct<infer A> ? A : never

/** Declares a struct of optional fields. */
export const struct = <F extends Readonly<Record<string, FieldType<unknown>>>>(fields: F): Struct<StructType<F>> & { readonly fields: F } => ({ fields })

const isString = (u: unknown): u is string => typeof u === "string"
const isRecordValue = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** Guards on JSON values. */
export const Predicate = { isRecord: isRecordValue } as const

/** A string. */
export const Str: FieldType<string> = { expected: "a string", is: isString }
/** A list of strings. */
export const Strs: FieldType<ReadonlyArray<string>> = {
  expected: "a list of strings",
  is: (u): u is ReadonlyArray<string> => Array.isArray(u) && u.every(isString)
}
/** Any JSON value (tool inputs and responses, whose shape depends on the tool). */
export const Json: FieldType<unknown> = { expected: "a JSON value", is: (u): u is unknown => u !== undefined }
/** A JSON object. */
export const JsonRecord: FieldType<Readonly<Record<string, unknown>>> = { expected: "an object", is: isRecordValue }

/** What a JSON value is, for a warning ("a number", "an array"). */
const describeJson = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "object" ? "an object" : `a ${typeof u}`

/** A JSON object as an agent sends it. */
export type JsonObject = Readonly<Record<string, unknown>>

const SOURCES: ReadonlySet<string> = new Set(["startup", "resume", "clear", "compact"])
const isSessionSource = (u: string): u is SessionSource => SOURCES.has(u)

type Defined<T> = { [K in keyof T]?: T[K] & ({} | null) }

/** `fields` without its undefined properties, as `exactOptionalPropertyTypes` wants optional fields. */
export const defined = <T extends object>(fields: T): Defined<T> => {
  const out: Defined<T> = {}
  for (const key in fields) {
    const value = fields[key]
    if (value !== undefined) out[key] = value
  }
  return out
}

/** The first element of a list of strings (Cursor's `workspace_roots`). */
export const first = (values: ReadonlyArray<string> | undefined): string | undefined => values?.[0]

/** The message of an error an agent reports as a string or as `{ message }` (Gemini, Copilot). */
export const errorMessage = (error: unknown): string | undefined => {
  if (typeof error === "string") return error
  return isRecordValue(error) && typeof error["message"] === "string" ? error["message"] : undefined
}

/** The largest JSON text inside a field that is decoded (larger ones stay text). */
const MAX_EMBEDDED_JSON_BYTES = 16 * 1024 * 1024

/**
 * A field an agent sends as JSON text (Cursor's `tool_output`, `result_json`, its MCP
 * `tool_input`): the object or array it encodes, so that the capture boundary and search see its
 * structure; anything else (plain text, a scalar, too deep or too large) as sent.
 */
export const embeddedJson = (value: unknown): unknown => {
  if (typeof value !== "string") return value
  const start = value.trimStart()[0]
  if (start !== "{" && start !== "[") return value
  const parsed = parseJsonBounded(value, { maxDepth: DEFAULT_MAX_JSON_DEPTH, maxBytes: MAX_EMBEDDED_JSON_BYTES })
  return parsed.ok && typeof parsed.value === "object" && parsed.value !== null ? parsed.value : value
}

/** Reads the fields of one payload (or of one object nested in it). */
export interface Reader<A> {
  /** The decoded value of `key`, recorded as mapped: it is not repeated in `extra`. */
  readonly take: <K extends keyof A & string>(key: K) => NonNullable<A[K]> | undefined
  /** Like `take`, and warns when the field is absent although the contract requires it for this event. */
  readonly need: <K extends keyof A & string>(key: K) => NonNullable<A[K]> | undefined
  /** The decoded value of `key`, left in `extra` (inspected, or not represented as sent). */
  readonly peek: <K extends keyof A & string>(key: K) => NonNullable<A[K]> | undefined
  /** Like `peek`, and warns when the field is absent although the contract requires it for this event. */
  readonly expect: <K extends keyof A & string>(key: K) => NonNullable<A[K]> | undefined
  /** A reader of the object in field `key`; its unmapped fields stay in `extra[key]`. */
  readonly nested: <B>(key: keyof A & string, schema: Struct<B>) => Reader<B>
  /** Records a problem with the payload. */
  readonly warn: (problem: string) => void
}

/** What a normaliser found in a payload, besides the fields every event of the agent carries. */
export interface Parts {
  /** Refines the event's listed kind (a tool run that failed, a turn that was aborted...). */
  readonly kind?: CanonicalKind | undefined
  readonly sessionId?: string | undefined
  readonly source?: SessionSource | undefined
  readonly cwd?: string | undefined
  readonly transcriptPath?: string | undefined
  readonly data?: CanonicalData
}

/** How one hook event of an agent maps onto the canonical events. */
export interface EventSpec<A> {
  /** The canonical kind the event maps to (what AGENT_EVENTS lists). */
  readonly kind: CanonicalKind
  readonly map: (fields: Reader<A>) => Parts
}

/** An agent's published hook contract, as a normaliser reads it. */
export interface AgentContract<A> {
  readonly agent: string
  /** Every field the normaliser reads, with its type: the rest of a payload is kept as sent. */
  readonly schema: Struct<A>
  /** The payload field that repeats the hook event name, checked against the name the hook was run with. */
  readonly eventField?: keyof A & string
  /** The fields that carry the agent's session id, first one first (for inputs too large to parse). */
  readonly sessionIdFields: ReadonlyArray<keyof A & string>
  /** The fields every event of the agent carries: session id, working directory, transcript, model. */
  readonly common: (fields: Reader<A>, eventName: string) => Parts
  readonly events: Readonly<Record<string, EventSpec<A>>>
  /** The input fields of the agent's tools that name files and shell commands (see Tools.ts). */
  readonly tools: ToolFields
}

/** The tool with what it touches recorded (`files`, `command`), read with the agent's field names. */
const withTouches = (tool: CanonicalTool, fields: ToolFields): CanonicalTool => {
  const touches = toolTouches(tool.input, fields)
  return {
    ...tool,
    ...(touches.files.length === 0 ? {} : { files: touches.files }),
    ...(touches.command === undefined ? {} : { command: touches.command })
  }
}

/**
 * Why a session started, from field `key`. A canonical value is mapped as sent; an agent's own
 * word for one (`aliases`, e.g. VS Code's "new") is translated and kept in `extra`; anything else
 * is reported and kept in `extra`.
 */
export const readSource = <K extends string, A extends { readonly [P in K]?: string | null }>(
  r: Reader<A>,
  key: K,
  aliases: Readonly<Record<string, SessionSource>> = {}
): SessionSource | undefined => {
  const value: string | undefined = r.peek(key) ?? undefined
  if (value === undefined) {
    r.need(key)
    return undefined
  }
  if (isSessionSource(value)) {
    r.take(key)
    return value
  }
  const alias = Object.hasOwn(aliases, value) ? aliases[value] : undefined
  if (alias === undefined) r.warn(`"${key}" ${JSON.stringify(value)} is not a known session source: kept as sent`)
  return alias
}

/** The canonical tool of a tool event, or undefined (fields left in `extra`) when the agent names no tool. */
export const toolOf = (name: string | undefined, rest: () => Omit<CanonicalTool, "name">): CanonicalTool | undefined =>
  name === undefined ? undefined : { name, ...rest() }

/** A tool run: tool.use, or tool.failure when its response says it failed (`error`). */
export const toolRun = (tool: CanonicalTool | undefined, error: string | undefined): Parts =>
  error === undefined ? { data: defined({ tool }) } : { kind: "tool.failure", data: defined({ tool: tool && { ...tool, error }, error }) }

/**
 * Decodes `record` against `schema`, dropping the fields that do not match so that one bad field
 * does not cost the others; each dropped field is reported once (it stays in `extra` as sent).
 * `null` is accepted for every field, because several agents send it for "none" (Codex
 * `transcript_path`, Cursor `user_email`): it reads as absent and stays in `extra`.
 */
const decodeLenient = <A>(schema: Struct<A>, record: JsonObject, context: string, warnings: Array<string>): Partial<A> => {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(schema.fields)) {
    if (!Object.hasOwn(record, key)) continue
    const value = record[key]
    if (value === undefined || value === null) continue
    const type = schema.fields[key]
    if (type === undefined) continue
    if (type.is(value)) out[key] = value
    else warnings.push(`${context}: field "${key}" does not match the contract (expected ${type.expected}, found ${describeJson(value)}): kept as sent`)
  }
  return narrowDecoded<A>(out)
}

/**
 * `value` decoded against `schema` when it is an object whose fields all match (absent and null
 * fields allowed), else undefined: for objects a normaliser only inspects (a tool's result).
 */
export const decodeStruct = <A>(schema: Struct<A>, value: unknown): A | undefined => {
  if (!isRecordValue(value)) return undefined
  const mismatches: Array<string> = []
  const decoded = decodeLenient(schema, value, "", mismatches)
  return mismatches.length === 0 ? narrowWhole<A>(decoded) : undefined
}

/** Every field of a struct is optional, so its partial decoding is a whole one. */
const narrowWhole = <A>(decoded: Partial<A>): A => decoded as A

/** The decoded fields: every value was checked against its field's type above. */
const narrowDecoded = <A>(fields: Record<string, unknown>): Partial<A> => fields as Partial<A>

interface ReaderState<A> {
  readonly reader: Reader<A>
  /** The fields of the object that were not mapped, as sent. */
  readonly leftover: () => Record<string, unknown>
}

const makeReader = <A>(schema: Struct<A>, record: JsonObject, context: string, warnings: Array<string>): ReaderState<A> => {
  const fields = decodeLenient(schema, record, context, warnings)
  const taken = new Set<string>()
  /** The leftovers of the objects read with `nested`, by field. */
  const children = new Map<string, () => Record<string, unknown>>()
  const peek = <K extends keyof A & string>(key: K): NonNullable<A[K]> | undefined => fields[key] ?? undefined
  const take = <K extends keyof A & string>(key: K): NonNullable<A[K]> | undefined => {
    const value = peek(key)
    if (value !== undefined) taken.add(key)
    return value
  }
  const expect = <K extends keyof A & string>(key: K): NonNullable<A[K]> | undefined => {
    if (record[key] === undefined || record[key] === null) warnings.push(`${context}: missing "${key}"`)
    return peek(key)
  }
  const reader: Reader<A> = {
    take,
    peek,
    expect,
    need: (key) => (expect(key) === undefined ? undefined : take(key)),
    nested: <B>(key: keyof A & string, nestedSchema: Struct<B>): Reader<B> => {
      const value = record[key]
      // Not an object: the schema already reported it, and it stays in `extra` untouched.
      if (!isRecordValue(value)) return makeReader(nestedSchema, {}, `${context} ${key}`, warnings).reader
      const child = makeReader(nestedSchema, value, `${context} ${key}`, warnings)
      children.set(key, child.leftover)
      return child.reader
    },
    warn: (problem) => warnings.push(`${context}: ${problem}`)
  }
  // Built with fromEntries, not assignment, so that a field named `__proto__` stays a field.
  const leftover = (): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(record).flatMap(([key, value]): Array<[string, unknown]> => {
        const childLeftover = children.get(key)
        if (childLeftover === undefined) return taken.has(key) ? [] : [[key, value]]
        const rest = childLeftover()
        return Object.keys(rest).length > 0 ? [[key, rest]] : []
      })
    )
  return { reader, leftover }
}

const jsonType = (payload: unknown): string => (payload === null ? "null" : Array.isArray(payload) ? "an array" : typeof payload)

/**
 * The normaliser of one agent: maps each hook event its contract lists, and stores an event it
 * does not know raw (kind `unknown`), still reading the session id so that the event is attributed.
 */
export const makeNormalizer =
  <A>(contract: AgentContract<A>) =>
  (eventName: string, payload: unknown): NormalizedEvent => {
    const context = `${contract.agent} ${eventName}`
    const warnings: Array<string> = []
    const isObject = isRecordValue(payload)
    if (!isObject) warnings.push(`${context}: payload is not a JSON object (got ${jsonType(payload)}): stored raw`)
    const record: JsonObject = isObject ? payload : {}
    const spec = Object.hasOwn(contract.events, eventName) ? contract.events[eventName] : undefined
    if (spec === undefined) warnings.push(`unknown ${contract.agent} hook event "${eventName}": stored raw`)
    const { reader, leftover } = makeReader(contract.schema, record, context, warnings)
    if (isObject && contract.eventField !== undefined) {
      const named = record[contract.eventField]
      if (typeof named === "string" && named !== eventName) reader.warn(`"${contract.eventField}" is "${named}", not "${eventName}"`)
    }
    const common = contract.common(reader, eventName)
    const specific: Parts = spec?.map(reader) ?? {}
    const merged = { ...common.data, ...specific.data }
    const data = merged.tool === undefined ? merged : { ...merged, tool: withTouches(merged.tool, contract.tools) }
    return {
      kind: specific.kind ?? spec?.kind ?? "unknown",
      agentSessionId: specific.sessionId ?? common.sessionId ?? null,
      source: specific.source ?? common.source ?? null,
      cwd: specific.cwd ?? common.cwd ?? null,
      transcriptPath: specific.transcriptPath ?? common.transcriptPath ?? null,
      data,
      // An unknown event keeps every field, even those read to attribute it.
      extra: !isObject ? { payload } : spec === undefined ? { ...record } : leftover(),
      warnings
    }
  }

/** The hook events a contract knows, with the canonical kind of each (for AGENT_EVENTS). */
export const eventsOf = <A>(contract: AgentContract<A>): ReadonlyArray<{ readonly event: string; readonly kind: CanonicalKind }> =>
  Object.entries(contract.events).map(([event, spec]) => ({ event, kind: spec.kind }))
