/**
 * The merge engine of the hook installer: pure functions that read an agent's hook config file,
 * merge myco's entries into it, take them out again, and say how they stand. What to merge, per
 * agent (config path, events, command spelling, entry shape), is that agent's hook spec
 * (agents/<agent>/hooks.ts, typed by agents/HookSpec.ts); the installer (Installer.ts) does the
 * file I/O.
 *
 * The merge rules, the same for every agent:
 * - myco's entries are recognised by the guard path (`.agents/myco-run.cjs`) in their command; every
 *   other entry is the user's and is kept exactly, in place.
 * - Installing puts exactly one myco entry under each event myco captures: an outdated one is
 *   rewritten in place, duplicates are dropped, a missing one is appended after the user's entries
 *   (Codex keys hook trust by position, so never shift the user's). myco entries under events myco
 *   no longer captures are removed.
 * - A file that does not change is not rewritten; one that does keeps its indentation, line endings
 *   and final newline, and its keys keep their order. Installing twice gives the same bytes.
 * - A file that is not valid JSON, or whose parts myco would edit have the wrong shape, is a
 *   MalformedConfig: nothing is written.
 *
 * Sources (each agent's published hook documentation): see `docs` in each agent's hook spec.
 */
import { Either, ParseResult, Schema } from "effect"

import { AGENT_NAMES, type AgentName } from "../agents/index.js"
import { type AgentHooks, GUARD_PATH, type InstalledEvent, type JsonObject, type Layout } from "../agents/HookSpec.js"

export { GUARD_PATH }
export type { AgentHooks, CommandContext, InstalledEvent, JsonObject, Layout } from "../agents/HookSpec.js"

/** The agents `myco hooks` knows, by the name their hooks pass with `--agent`. */
export const HOOK_AGENTS: ReadonlyArray<AgentName> = AGENT_NAMES
export type HookAgent = AgentName

/** Recognises myco's entries: their command runs the guard (either path separator). */
const GUARD_PATTERN = /\.agents[\\/]myco-run\.cjs/

/** The same in a file's raw JSON text, where a backslash is escaped. */
const GUARD_TEXT_PATTERN = /\.agents(?:\/|\\\\)myco-run\.cjs/

/**
 * True when a config file's text mentions the guard at all: for a file too broken to inspect,
 * the best sign that myco's hooks are (or were) in it.
 */
export const mentionsGuardText = (text: string): boolean => GUARD_TEXT_PATTERN.test(text)

const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({ identifier: "a JSON object" })

/** The agent's config file cannot be edited safely: not JSON, or not the shape the agent reads. */
export class MalformedConfig extends Schema.TaggedError<MalformedConfig>()("MalformedConfig", {
  agent: Schema.String,
  /** The config file, relative to the project. */
  file: Schema.String,
  /** What is wrong, for the user. */
  problem: Schema.String
}) {
  override get message(): string {
    return `${this.file}: ${this.problem}`
  }
}

/** The result of a merge: the file's new text (undefined: delete the file) and whether it changed. */
export interface MergeResult {
  readonly text: string | undefined
  readonly changed: boolean
}

/** How myco's entries stand in one config file. */
export interface Inspection {
  /** Events whose myco entry is exactly what `install` writes. */
  readonly current: ReadonlyArray<string>
  /** Events with a myco entry that differs from it (another command, agent, timeout...). */
  readonly outdated: ReadonlyArray<string>
  /** Events myco installs that have no myco entry. */
  readonly missing: ReadonlyArray<string>
  /** Other events that hold myco entries (left by another myco version). */
  readonly stray: ReadonlyArray<string>
}

/** True when myco's hooks were installed in the file (any myco entry at all). */
export const isConfigured = (inspection: Inspection): boolean =>
  inspection.current.length + inspection.outdated.length + inspection.stray.length > 0

/** True when the file holds exactly what `install` would write for myco. */
export const isUpToDate = (inspection: Inspection): boolean =>
  inspection.outdated.length + inspection.missing.length + inspection.stray.length === 0

// ---------------------------------------------------------------------------------------------
// Reading and writing the document

/** How the user's file is formatted, so that a rewrite looks like it. */
interface Style {
  readonly indent: string
  readonly eol: string
  readonly finalNewline: boolean
}

const defaultStyle: Style = { indent: "  ", eol: "\n", finalNewline: true }

const styleOf = (text: string): Style => ({
  indent: /\n([ \t]+)\S/.exec(text)?.[1] ?? defaultStyle.indent,
  eol: text.includes("\r\n") ? "\r\n" : "\n",
  finalNewline: /\n$/.test(text)
})

const serialize = (document: JsonObject, style: Style): string =>
  JSON.stringify(document, null, style.indent).replace(/\n/g, style.eol) + (style.finalNewline ? style.eol : "")

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** A parsed config file. */
interface Document {
  /** Whether the file exists with content (an empty file counts as absent). */
  readonly existed: boolean
  readonly root: JsonObject
  readonly hooks: JsonObject
  readonly style: Style
}

const isObject = Schema.is(JsonObject)

const decodeJson = Schema.decodeUnknownEither(Schema.parseJson())

/** The first problem of a parse error, with where it is. */
const firstIssue = (error: ParseResult.ParseError, prefix: ReadonlyArray<PropertyKey>): string => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (issue === undefined) return "invalid"
  const message = issue.message.replace(/^Expected /, "expected ").replace(/, actual /, ", found ")
  const at = [...prefix, ...issue.path].map(String).join(".")
  return at === "" ? message : `at ${at}: ${message}`
}

/** The shape of one event's entries, in the agent's layout. */
const HandlerList = Schema.Array(JsonObject).annotations({ identifier: "a list of hook objects" })
const GroupEntries = Schema.Array(
  Schema.Struct({
    matcher: Schema.optional(Schema.String.annotations({ identifier: "a string" })),
    hooks: Schema.optional(HandlerList)
  }).annotations({ identifier: "a { matcher, hooks } group" })
).annotations({ identifier: "a list of groups" })
const FlatEntries = HandlerList
const entriesSchema = (layout: Layout) => (layout === "groups" ? GroupEntries : FlatEntries)

const parse = (spec: AgentHooks, text: string | undefined): Either.Either<Document, MalformedConfig> => {
  const malformed = (problem: string) => Either.left(new MalformedConfig({ agent: spec.agent, file: spec.configPath, problem }))
  if (text === undefined || text.trim() === "") {
    return Either.right({ existed: false, root: spec.skeleton, hooks: {}, style: defaultStyle })
  }
  const parsed = decodeJson(text.replace(/^\uFEFF/, ""))
  if (Either.isLeft(parsed)) return malformed(`not valid JSON (${firstIssue(parsed.left, [])})`)
  const root = parsed.right
  if (!isObject(root)) return malformed("the top level must be a JSON object")
  const hooks = root["hooks"]
  if (hooks !== undefined && !isObject(hooks)) return malformed("`hooks` must be an object mapping event names to lists of hooks")
  const events = hooks ?? {}
  // Only the events myco edits must have the agent's shape; the rest is the user's business.
  for (const e of spec.events) {
    const entries = events[e.name]
    if (entries === undefined) continue
    const checked = Schema.validateEither(entriesSchema(spec.layout))(entries)
    if (Either.isLeft(checked)) {
      return malformed(
        `\`hooks.${e.name}\` is not a list of ${spec.layout === "groups" ? "{ matcher, hooks: [...] } groups" : "hook objects"} (${firstIssue(checked.left, ["hooks", e.name])})`
      )
    }
  }
  return Either.right({ existed: true, root, hooks: events, style: styleOf(text) })
}

/** True when any of the entry's string fields runs the guard. */
const mentionsGuard = (entry: unknown): boolean =>
  isObject(entry) && Object.values(entry).some((v) => typeof v === "string" && GUARD_PATTERN.test(v))

const handlersOf = (group: unknown): ReadonlyArray<unknown> | undefined =>
  isObject(group) && Array.isArray(group["hooks"]) ? group["hooks"] : undefined

/** True when the entry (handler or group) is myco's. */
const isMycoEntry = (layout: Layout, entry: unknown): boolean => {
  if (layout === "flat") return mentionsGuard(entry)
  const handlers = handlersOf(entry)
  return handlers !== undefined && handlers.length > 0 && handlers.every(mentionsGuard)
}

/** True when the entry holds anything of myco's (for groups: a myco handler among the user's). */
const holdsMyco = (layout: Layout, entry: unknown): boolean =>
  layout === "flat" ? mentionsGuard(entry) : (handlersOf(entry) ?? []).some(mentionsGuard)

/**
 * The entries of one event with myco's entry in place: the first myco entry is replaced by
 * `desired` where it stands, other myco entries are dropped, and myco handlers sharing a group
 * with the user's are taken out of it. Appended when there was none.
 */
const placeEntry = (layout: Layout, entries: ReadonlyArray<unknown>, desired: JsonObject): ReadonlyArray<unknown> => {
  const out: Array<unknown> = []
  let placed = false
  for (const entry of entries) {
    if (isMycoEntry(layout, entry)) {
      if (!placed) out.push(desired)
      placed = true
    } else if (layout === "groups" && isObject(entry) && holdsMyco(layout, entry)) {
      out.push({ ...entry, hooks: (handlersOf(entry) ?? []).filter((h) => !mentionsGuard(h)) })
    } else {
      out.push(entry)
    }
  }
  if (!placed) out.push(desired)
  return out
}

/**
 * The entries of one event without anything of myco's; groups left empty by that are dropped.
 * Values that are not lists (Gemini's `disabled`, say) are left alone.
 */
const withoutMyco = (layout: Layout, value: unknown): { readonly value: unknown; readonly removed: boolean } => {
  if (!Array.isArray(value)) return { value, removed: false }
  let removed = false
  const out: Array<unknown> = []
  for (const entry of value) {
    if (!holdsMyco(layout, entry)) {
      out.push(entry)
      continue
    }
    removed = true
    if (layout === "flat" || !isObject(entry)) continue
    const rest = (handlersOf(entry) ?? []).filter((h) => !mentionsGuard(h))
    if (rest.length > 0) out.push({ ...entry, hooks: rest })
  }
  return { value: out, removed }
}

const eventNames = (spec: AgentHooks): ReadonlySet<string> => new Set(spec.events.map((e) => e.name))

/** The document with `hooks` replaced, keeping the key where it stood (or appending it). */
const withHooks = (root: JsonObject, hooks: JsonObject): JsonObject => ({ ...root, hooks })

/**
 * Installs myco's hooks into the agent's config file's text (`undefined`: no file yet). Pure:
 * `command` gives the command for each event. Fails, writing nothing, on a malformed file.
 */
export const install = (
  spec: AgentHooks,
  existingText: string | undefined,
  command: (event: InstalledEvent) => string
): Either.Either<MergeResult, MalformedConfig> =>
  Either.map(parse(spec, existingText), (doc) => {
    const mine = eventNames(spec)
    const hooks: Record<string, unknown> = {}
    // The user's events keep their order; myco's own stray entries go.
    for (const [key, value] of Object.entries(doc.hooks)) {
      if (mine.has(key)) {
        hooks[key] = value
        continue
      }
      const stripped = withoutMyco(spec.layout, value)
      if (!(stripped.removed && Array.isArray(stripped.value) && stripped.value.length === 0)) hooks[key] = stripped.value
    }
    for (const e of spec.events) {
      const current = hooks[e.name]
      hooks[e.name] = placeEntry(spec.layout, Array.isArray(current) ? current : [], spec.entry(e, command(e)))
    }
    const root = withHooks(doc.root, hooks)
    if (doc.existed && sameJson(root, doc.root)) return { text: existingText, changed: false }
    return { text: serialize(root, doc.style), changed: true }
  })

/**
 * Removes every myco entry from the agent's config file's text. Events and groups that held only
 * myco's entries go; so does the `hooks` object if nothing else is left in it, and the whole file
 * (text `undefined`) if nothing is left in it but what myco would have created. A file that does
 * not mention the guard has nothing of myco's: it is left alone, even when myco could not read it.
 */
export const uninstall = (spec: AgentHooks, existingText: string | undefined): Either.Either<MergeResult, MalformedConfig> => {
  if (existingText !== undefined && !mentionsGuardText(existingText)) return Either.right({ text: existingText, changed: false })
  return Either.map(parse(spec, existingText), (doc) => {
    if (!doc.existed) return { text: existingText, changed: false }
    const hooks: Record<string, unknown> = {}
    let removedAny = false
    for (const [key, value] of Object.entries(doc.hooks)) {
      const stripped = withoutMyco(spec.layout, value)
      removedAny = removedAny || stripped.removed
      if (!(stripped.removed && Array.isArray(stripped.value) && stripped.value.length === 0)) hooks[key] = stripped.value
    }
    if (!removedAny) return { text: existingText, changed: false }
    const { hooks: _dropped, ...rest } = doc.root
    const root: JsonObject = Object.keys(hooks).length > 0 ? withHooks(doc.root, hooks) : rest
    if (sameJson(root, {}) || sameJson(root, spec.skeleton)) return { text: undefined, changed: true }
    return { text: serialize(root, doc.style), changed: true }
  })
}

/** How myco's entries stand in the agent's config file's text. Fails on a malformed file. */
export const inspect = (
  spec: AgentHooks,
  existingText: string | undefined,
  command: (event: InstalledEvent) => string
): Either.Either<Inspection, MalformedConfig> =>
  Either.map(parse(spec, existingText), (doc) => {
    const current: Array<string> = []
    const outdated: Array<string> = []
    const missing: Array<string> = []
    for (const e of spec.events) {
      const value = doc.hooks[e.name]
      const entries: ReadonlyArray<unknown> = Array.isArray(value) ? value : []
      const desired = spec.entry(e, command(e))
      const mine = entries.filter((entry) => holdsMyco(spec.layout, entry))
      const exact = mine.length === 1 && sameJson(mine[0], desired)
      if (exact) current.push(e.name)
      else if (mine.length > 0) outdated.push(e.name)
      else missing.push(e.name)
    }
    const mine = eventNames(spec)
    const stray = Object.entries(doc.hooks)
      .filter(([key, value]) => !mine.has(key) && withoutMyco(spec.layout, value).removed)
      .map(([key]) => key)
    return { current, outdated, missing, stray }
  })
