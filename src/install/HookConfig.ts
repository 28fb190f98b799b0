/**
 * The merge engine of the hook installer: pure functions that read an agent's hook config file,
 * merge myco's entries into it, take them out again, and say how they stand. What to merge, per
 * agent (config path, syntax, events, command spelling, entry shape), is that agent's hook spec
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
 * - The file is edited, never rewritten: every byte outside myco's own entries (comments, spacing,
 *   key order, line endings, the final newline, a byte-order mark) stays as it was, and what myco
 *   adds follows the file's indentation and line endings. Uninstalling takes out exactly what
 *   installing put in, so install then uninstall gives back the original bytes. A file that does
 *   not change is not rewritten; installing twice gives the same bytes.
 * - A file is read with the syntax its agent reads it with (the spec's `format`: strict JSON, or
 *   JSON with comments, with or without trailing commas). One that is not valid in that syntax,
 *   nests deeper than {@link DEFAULT_MAX_JSON_DEPTH} levels, repeats a key myco edits, or whose
 *   parts myco would edit have the wrong shape, is a MalformedConfig: nothing is written.
 *
 * How: jsonc-parser parses the text into a tree that knows every value's offsets. Each change is one
 * small edit of the text (an insertion after the last entry, the removal of one entry with its
 * separator, or `modify` replacing one entry's value in place), applied with `applyEdits`, and the
 * text is parsed again before the next. jsonc-parser's own insertions and removals re-format the
 * whole lines they touch (or, unformatted, leave stray whitespace), so those two are computed here
 * from the tree, to touch nothing but myco's entry and its comma. The result is checked against
 * the value the merge rules ask for before it is returned: a text edit that went wrong is a
 * MalformedConfig too, never a wrong file.
 *
 * Sources (each agent's published hook documentation): see `docs` in each agent's hook spec.
 */
import { Either, ParseResult, Schema } from "effect"
import {
  applyEdits,
  type Edit,
  findNodeAtLocation,
  type FormattingOptions,
  getNodeValue,
  type JSONPath,
  modify,
  type Node,
  type ParseError,
  type ParseOptions,
  parseTree,
  printParseErrorCode,
  stripComments
} from "jsonc-parser"

import { AGENT_NAMES, type AgentName } from "../agents/index.js"
import { type AgentHooks, GUARD_PATH, type InstalledEvent, type JsonObject, type Layout } from "../agents/HookSpec.js"
import { DEFAULT_MAX_JSON_DEPTH, jsonDepth } from "../lean/Json.js"

export { GUARD_PATH }
export type { AgentHooks, CommandContext, ConfigFormat, InstalledEvent, JsonObject, Layout } from "../agents/HookSpec.js"

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
// Reading the document

/** How the user's file is formatted, so that what myco adds looks like the rest. */
interface Style {
  /** One level of indentation. */
  readonly indent: string
  readonly eol: string
}

const defaultStyle: Style = { indent: "  ", eol: "\n" }

const styleOf = (text: string): Style => ({
  indent: /\n([ \t]+)\S/.exec(text)?.[1] ?? defaultStyle.indent,
  eol: text.includes("\r\n") ? "\r\n" : "\n"
})

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** A parsed config file. */
interface Document {
  /** Whether the file exists with content (an empty file counts as absent). */
  readonly existed: boolean
  /** A byte-order mark the file starts with ("" when none): kept, and not part of `body`. */
  readonly bom: string
  /** The text after the byte-order mark: what the edits apply to. */
  readonly body: string
  readonly root: JsonObject
  readonly hooks: JsonObject
  /** Whether the file has a `hooks` object. */
  readonly hasHooks: boolean
  /**
   * Whether the `hooks` object, and each event's list (by name), was empty before myco filled it
   * (see {@link wasEmpty}): emptied again, it stays, as it was.
   */
  readonly keptEmpty: { readonly hooks: boolean; readonly events: ReadonlySet<string> }
  readonly style: Style
}

const isObject = Schema.is(JsonObject)

/** The syntax `spec`'s agent reads its file with, as jsonc-parser's options. */
const parseOptions = (spec: AgentHooks): ParseOptions => ({
  disallowComments: spec.format === "json",
  allowTrailingComma: spec.format === "jsonc" && spec.trailingCommas,
  allowEmptyContent: false
})

/** The first problem of a schema error, with where it is. */
const firstIssue = (error: ParseResult.ParseError, prefix: ReadonlyArray<PropertyKey>): string => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  if (issue === undefined) return "invalid"
  const message = issue.message.replace(/^Expected /, "expected ").replace(/, actual /, ", found ")
  const at = [...prefix, ...issue.path].map(String).join(".")
  return at === "" ? message : `at ${at}: ${message}`
}

/** "line L, column C" of an offset, both from 1. */
const position = (text: string, offset: number): string => {
  const before = text.slice(0, offset)
  const line = before.split("\n").length
  const column = offset - (before.lastIndexOf("\n") + 1) + 1
  return `line ${line}, column ${column}`
}

/** The last character before `offset` that is not whitespace, skipping comments too. */
const previousSignificant = (text: string, offset: number): string | undefined => {
  const stripped = stripComments(text.slice(0, offset))
  return /\S(?=\s*$)/.exec(stripped)?.[0]
}

/** Why the text is not valid in the agent's syntax, for the user. */
const syntaxProblem = (spec: AgentHooks, text: string, error: ParseError | undefined): string => {
  if (error === undefined) return "not valid JSON (no value)"
  const at = position(text, error.offset)
  const code = printParseErrorCode(error.error)
  if (code === "InvalidCommentToken") {
    return `not valid JSON: a comment at ${at}, and ${spec.title} reads this file as strict JSON, without comments`
  }
  const closer = text.charAt(error.offset)
  if ((closer === "}" || closer === "]") && previousSignificant(text, error.offset) === ",") {
    return `not valid JSON: a trailing comma before ${at}, which ${spec.title} does not accept`
  }
  const words = code.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()
  return `not valid JSON${spec.format === "jsonc" ? " (with comments)" : ""} (${words} at ${at})`
}

/** The first key that appears twice in an object node, if any. */
const duplicateKey = (node: Node): string | undefined => {
  const seen = new Set<string>()
  for (const property of node.children ?? []) {
    const key: unknown = property.children?.[0]?.value
    if (typeof key !== "string") continue
    if (seen.has(key)) return key
    seen.add(key)
  }
  return undefined
}

/** The value node of property `key` of an object node. */
const propertyValue = (node: Node, key: string): Node | undefined => findNodeAtLocation(node, [key])

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
    return Either.right({
      existed: false,
      bom: "",
      body: "",
      root: spec.skeleton,
      hooks: {},
      hasHooks: false,
      keptEmpty: { hooks: false, events: new Set() },
      style: defaultStyle
    })
  }
  const bom = text.startsWith("\uFEFF") ? "\uFEFF" : ""
  const body = text.slice(bom.length)
  // Parsing and everything after it recurse once per level: bound the depth first (comments do not count).
  if (jsonDepth(stripComments(body), DEFAULT_MAX_JSON_DEPTH) > DEFAULT_MAX_JSON_DEPTH) {
    return malformed(`nests deeper than ${DEFAULT_MAX_JSON_DEPTH} levels; no agent's hook config needs that many`)
  }
  const errors: Array<ParseError> = []
  const tree = parseTree(body, errors, parseOptions(spec))
  if (errors.length > 0 || tree === undefined) return malformed(syntaxProblem(spec, body, errors[0]))
  if (tree.type !== "object") return malformed("the top level must be a JSON object")
  const repeated = duplicateKey(tree)
  if (repeated !== undefined) return malformed(`the key ${JSON.stringify(repeated)} appears twice at the top level`)
  const hooksNode = propertyValue(tree, "hooks")
  if (hooksNode !== undefined && hooksNode.type !== "object") {
    return malformed("`hooks` must be an object mapping event names to lists of hooks")
  }
  const repeatedEvent = hooksNode === undefined ? undefined : duplicateKey(hooksNode)
  if (repeatedEvent !== undefined) return malformed(`\`hooks\` has the event ${JSON.stringify(repeatedEvent)} twice`)
  const root: unknown = getNodeValue(tree)
  if (!isObject(root)) return malformed("the top level must be a JSON object")
  const hooks = root["hooks"]
  const events = isObject(hooks) ? hooks : {}
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
  const keptEmpty = {
    hooks: hooksNode !== undefined && wasEmpty(body, hooksNode),
    events: new Set(
      (hooksNode?.children ?? []).flatMap((property) => {
        const [key, value] = property.children ?? []
        return typeof key?.value === "string" && value !== undefined && wasEmpty(body, value) ? [key.value] : []
      })
    )
  }
  return Either.right({ existed: true, bom, body, root, hooks: events, hasHooks: hooksNode !== undefined, keptEmpty, style: styleOf(body) })
}

// ---------------------------------------------------------------------------------------------
// myco's entries, as values

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

/** True when stripping myco's entries left the event with none at all (it goes then, unless it was empty before myco). */
const emptied = (stripped: { readonly value: unknown; readonly removed: boolean }): boolean =>
  stripped.removed && Array.isArray(stripped.value) && stripped.value.length === 0

/** The event's entries without myco's, or undefined when the event goes. */
const strippedEvent = (layout: Layout, doc: Document, key: string, value: unknown): { readonly value: unknown } | undefined => {
  const stripped = withoutMyco(layout, value)
  if (!emptied(stripped)) return stripped
  return doc.keptEmpty.events.has(key) ? { value: [] } : undefined
}

const eventNames = (spec: AgentHooks): ReadonlySet<string> => new Set(spec.events.map((e) => e.name))

/** The document with `hooks` replaced, keeping the key where it stood (or appending it). */
const withHooks = (root: JsonObject, hooks: JsonObject): JsonObject => ({ ...root, hooks })

/** The value `install` must leave: the merge rules, on values. */
const installedValue = (spec: AgentHooks, doc: Document, command: (event: InstalledEvent) => string): JsonObject => {
  const mine = eventNames(spec)
  const hooks: Record<string, unknown> = {}
  // The user's events keep their order; myco's own stray entries go.
  for (const [key, value] of Object.entries(doc.hooks)) {
    if (mine.has(key)) {
      hooks[key] = value
      continue
    }
    const stripped = strippedEvent(spec.layout, doc, key, value)
    if (stripped !== undefined) hooks[key] = stripped.value
  }
  for (const e of spec.events) {
    const current = hooks[e.name]
    hooks[e.name] = placeEntry(spec.layout, Array.isArray(current) ? current : [], spec.entry(e, command(e)))
  }
  return withHooks(doc.root, hooks)
}

/** The value `uninstall` must leave, and whether it took anything out. */
const uninstalledValue = (spec: AgentHooks, doc: Document): { readonly root: JsonObject; readonly removed: boolean } => {
  const hooks: Record<string, unknown> = {}
  let removed = false
  for (const [key, value] of Object.entries(doc.hooks)) {
    removed = removed || withoutMyco(spec.layout, value).removed
    const stripped = strippedEvent(spec.layout, doc, key, value)
    if (stripped !== undefined) hooks[key] = stripped.value
  }
  const { hooks: _dropped, ...rest } = doc.root
  return { root: Object.keys(hooks).length > 0 || doc.keptEmpty.hooks ? withHooks(doc.root, hooks) : rest, removed }
}

// ---------------------------------------------------------------------------------------------
// Editing the text

/** A piece of the text between two values: spaces, a line break, a comma or a comment. */
interface Trivia {
  readonly kind: "space" | "eol" | "comma" | "comment"
  readonly start: number
  readonly end: number
}

/**
 * The trivia between `from` and `to`, two offsets outside any string (between a container's
 * bracket and its children, or between two children), where there is nothing else.
 */
const triviaBetween = (text: string, from: number, to: number): ReadonlyArray<Trivia> => {
  const out: Array<Trivia> = []
  let i = from
  while (i < to) {
    const c = text.charAt(i)
    const start = i
    if (c === "\n" || c === "\r") {
      i += c === "\r" && text.charAt(i + 1) === "\n" ? 2 : 1
      out.push({ kind: "eol", start, end: i })
    } else if (c === ",") {
      i++
      out.push({ kind: "comma", start, end: i })
    } else if (c === "/" && text.charAt(i + 1) === "/") {
      while (i < to && text.charAt(i) !== "\n" && text.charAt(i) !== "\r") i++
      out.push({ kind: "comment", start, end: i })
    } else if (c === "/" && text.charAt(i + 1) === "*") {
      const close = text.indexOf("*/", i + 2)
      i = close === -1 || close + 2 > to ? to : close + 2
      out.push({ kind: "comment", start, end: i })
    } else {
      while (i < to && /[^\r\n,/]/.test(text.charAt(i))) i++
      if (i === start) i++
      out.push({ kind: "space", start, end: i })
    }
  }
  return out
}

const hasComment = (trivia: ReadonlyArray<Trivia>): boolean => trivia.some((t) => t.kind === "comment")
const firstOf = (trivia: ReadonlyArray<Trivia>, kind: Trivia["kind"]): Trivia | undefined => trivia.find((t) => t.kind === kind)

/** The offset at which the line holding `offset` starts. */
const lineStart = (text: string, offset: number): number => {
  let i = offset
  while (i > 0 && text.charAt(i - 1) !== "\n" && text.charAt(i - 1) !== "\r") i--
  return i
}

/** The whitespace that starts the line holding `offset`. */
const lineIndent = (text: string, offset: number): string => /^[ \t]*/.exec(text.slice(lineStart(text, offset)))?.[0] ?? ""

const end = (node: Node): number => node.offset + node.length

/** A container (object or array) of the text, with its brackets. */
interface Container {
  readonly node: Node
  /** The offset just after the opening bracket. */
  readonly inside: number
  /** The offset of the closing bracket. */
  readonly close: number
  /** Its children: property nodes of an object, elements of an array. */
  readonly children: ReadonlyArray<Node>
  /** Whether it spans several lines (what myco adds to it is then written one entry per line). */
  readonly multiline: boolean
}

const containerOf = (text: string, node: Node): Container => {
  const close = end(node) - 1
  return {
    node,
    inside: node.offset + 1,
    close,
    children: node.children ?? [],
    multiline: /[\r\n]/.test(text.slice(node.offset, close))
  }
}

/**
 * Whether the container was empty before myco filled it, as far as its text can tell: myco writes
 * a container it creates on several lines with its closing bracket on a line of its own (or on one
 * line, in a container written on one line), but fills a container the user left empty on one
 * line (`{}`, `[ ]`) by putting its entries on new lines after the opening bracket and leaving the
 * rest as it was, so that the closing bracket stays on the last entry's line. Taking myco's
 * entries out of such a container leaves it empty, as it was, instead of removing it. (One the
 * user left empty on several lines cannot be told from one myco made: it goes.)
 */
const wasEmpty = (text: string, node: Node): boolean => {
  if (node.type !== "object" && node.type !== "array") return false
  const container = containerOf(text, node)
  const last = container.children[container.children.length - 1]
  if (last === undefined || !container.multiline) return false
  return !triviaBetween(text, end(last), container.close).some((t) => t.kind === "eol")
}

/** The value rendered as the file's style would write it, its lines after the first at `base`. */
const render = (value: unknown, base: string, style: Style): string =>
  JSON.stringify(value, null, style.indent).split("\n").join(style.eol + base)

/** What is put into a container: a property of an object, or an element of an array. */
type Item = { readonly key: string; readonly value: unknown } | { readonly value: unknown }

const renderItem = (item: Item, base: string, style: Style, multiline: boolean): string => {
  const value = multiline ? render(item.value, base, style) : JSON.stringify(item.value)
  return "key" in item ? `${JSON.stringify(item.key)}: ${value}` : value
}

/**
 * The edits that append `item` as the last child of `container`. In a container written on
 * several lines it goes on a line of its own after the last child's line (after a comment that
 * ends that line), indented like it; the comma goes right after the last child, or, when that one
 * has a trailing comma, after the new item. An empty container gets the item on its own line.
 */
const appendEdits = (text: string, container: Container, item: Item, style: Style): ReadonlyArray<Edit> => {
  const last = container.children[container.children.length - 1]
  if (last === undefined) {
    // On a new line after the opening bracket; what was inside stays after it (see wasEmpty).
    const inner = lineIndent(text, container.node.offset) + style.indent
    return [{ offset: container.inside, length: 0, content: style.eol + inner + renderItem(item, inner, style, true) }]
  }
  const after = triviaBetween(text, end(last), container.close)
  const trailing = firstOf(after, "comma")
  if (!container.multiline) {
    return trailing === undefined
      ? [{ offset: end(last), length: 0, content: `, ${renderItem(item, "", style, false)}` }]
      : [{ offset: trailing.end, length: 0, content: ` ${renderItem(item, "", style, false)},` }]
  }
  const base = lineIndent(text, last.offset)
  const line = style.eol + base + renderItem(item, base, style, true)
  // The end of the last child's line: its first line break after the child (and its comma).
  const lineEnd = after.find((t) => t.kind === "eol" && (trailing === undefined || t.start > trailing.start))
  if (trailing === undefined) {
    return lineEnd === undefined
      ? [{ offset: end(last), length: 0, content: `,${line}` }]
      : [
          { offset: end(last), length: 0, content: "," },
          { offset: lineEnd.start, length: 0, content: line }
        ]
  }
  return [{ offset: lineEnd === undefined ? trailing.end : lineEnd.start, length: 0, content: `${line},` }]
}

/**
 * The edits that take child `index` out of `container`, with one comma: the inverse of
 * {@link appendEdits} for what it added, and for anything else the child, its separator and the
 * whitespace between them, never a comment.
 */
const removeEdits = (text: string, container: Container, index: number): ReadonlyArray<Edit> => {
  const { children } = container
  const child = children[index]
  if (child === undefined) return []
  const previous = children[index - 1]
  const next = children[index + 1]
  const before = triviaBetween(text, previous === undefined ? container.inside : end(previous), child.offset)
  const after = triviaBetween(text, end(child), next === undefined ? container.close : next.offset)
  const commaBefore = firstOf(before, "comma")
  const commaAfter = firstOf(after, "comma")
  const eolAfter = firstOf(after, "eol")
  const remove = (from: number, to: number): Edit => ({ offset: from, length: to - from, content: "" })

  // On a line of its own (nothing after it on that line but its comma): the line goes, from the
  // line break before it, and the comma with it; the last child without a comma after it takes
  // the separator of the one before instead.
  const start = lineStart(text, child.offset)
  const onItsLine = (t: Trivia) => eolAfter !== undefined && t.start < eolAfter.start
  const ownLine =
    container.multiline &&
    start > container.inside &&
    /^[ \t]*$/.test(text.slice(start, child.offset)) &&
    eolAfter !== undefined &&
    !after.some((t) => t.kind === "comment" && onItsLine(t)) &&
    (commaAfter === undefined || onItsLine(commaAfter))
  if (ownLine) {
    const lineBreak = text.charAt(start - 1) === "\n" && text.charAt(start - 2) === "\r" ? start - 2 : start - 1
    if (commaAfter !== undefined) return [remove(lineBreak, commaAfter.end)]
    const edits: Array<Edit> = [remove(lineBreak, end(child))]
    if (commaBefore !== undefined) edits.push(remove(commaBefore.start, commaBefore.end))
    return edits
  }
  if (previous !== undefined && !hasComment(before)) return [remove(end(previous), end(child))]
  if (previous === undefined && next !== undefined && !hasComment(after)) return [remove(child.offset, next.offset)]
  // The only child: it goes with what is before it (what myco put there), and its comma.
  if (previous === undefined && next === undefined && !hasComment(before)) {
    return commaAfter === undefined
      ? [remove(container.inside, end(child))]
      : [remove(container.inside, end(child)), remove(commaAfter.start, commaAfter.end)]
  }
  // Comments around it: the child and one comma go, the comments stay.
  if (commaAfter !== undefined) return [remove(child.offset, end(child)), remove(commaAfter.start, commaAfter.end)]
  if (commaBefore !== undefined) return [remove(commaBefore.start, commaBefore.end), remove(child.offset, end(child))]
  return [remove(child.offset, end(child))]
}

/** Applies edits that do not overlap (jsonc-parser sorts them). */
const apply = (text: string, edits: ReadonlyArray<Edit>): string => applyEdits(text, [...edits])

/** The file's formatting, as jsonc-parser's formatter (used by `modify`) wants it. */
const formattingOf = (style: Style): FormattingOptions => ({
  insertSpaces: !style.indent.includes("\t"),
  tabSize: style.indent.includes("\t") ? 4 : Math.max(1, style.indent.length),
  eol: style.eol
})

/**
 * The text, edited one change at a time. Each change finds its nodes in the text as it stands
 * (parsed again after the previous change), so that offsets are never stale.
 */
class TextEditor {
  constructor(
    private text: string,
    private readonly options: ParseOptions,
    private readonly style: Style
  ) {}

  get current(): string {
    return this.text
  }

  private node(path: JSONPath): Node | undefined {
    const tree = parseTree(this.text, [], this.options)
    if (tree === undefined) return undefined
    return path.length === 0 ? tree : findNodeAtLocation(tree, path)
  }

  private container(path: JSONPath, type: "object" | "array"): Container | undefined {
    const node = this.node(path)
    return node !== undefined && node.type === type ? containerOf(this.text, node) : undefined
  }

  /** Appends property `key` to the object at `path`. */
  appendProperty(path: JSONPath, key: string, value: unknown): void {
    const container = this.container(path, "object")
    if (container !== undefined) this.text = apply(this.text, appendEdits(this.text, container, { key, value }, this.style))
  }

  /** Appends an element to the array at `path`. */
  appendElement(path: JSONPath, value: unknown): void {
    const container = this.container(path, "array")
    if (container !== undefined) this.text = apply(this.text, appendEdits(this.text, container, { value }, this.style))
  }

  /** Removes property `key` of the object at `path`. */
  removeProperty(path: JSONPath, key: string): void {
    const container = this.container(path, "object")
    if (container === undefined) return
    const index = container.children.findIndex((p) => p.children?.[0]?.value === key)
    if (index >= 0) this.text = apply(this.text, removeEdits(this.text, container, index))
  }

  /** Removes element `index` of the array at `path`. */
  removeElement(path: JSONPath, index: number): void {
    const container = this.container(path, "array")
    if (container !== undefined) this.text = apply(this.text, removeEdits(this.text, container, index))
  }

  /** Replaces element `index` of the array at `path` with `value`, where it stands. */
  replaceElement(path: JSONPath, index: number, value: unknown): void {
    const container = this.container(path, "array")
    const child = container?.children[index]
    if (container === undefined || child === undefined) return
    // In a container written on one line, the value stays on one line; else modify formats it.
    this.text = container.multiline
      ? apply(this.text, modify(this.text, [...path, index], value, { formattingOptions: formattingOf(this.style) }))
      : apply(this.text, [{ offset: child.offset, length: child.length, content: JSON.stringify(value) }])
  }
}

/** Takes myco's handlers out of the group at `groupPath` (one that also holds the user's). */
const stripGroup = (editor: TextEditor, groupPath: JSONPath, group: unknown): void => {
  const handlers = handlersOf(group) ?? []
  for (let j = handlers.length - 1; j >= 0; j--) {
    if (mentionsGuard(handlers[j])) editor.removeElement([...groupPath, "hooks"], j)
  }
}

/**
 * Takes myco's entries out of the event at `["hooks", key]`, or the event itself when nothing else
 * is left (unless its list was empty before myco filled it).
 */
const stripEvent = (editor: TextEditor, doc: Document, layout: Layout, key: string, value: unknown): void => {
  const stripped = withoutMyco(layout, value)
  if (!stripped.removed || !Array.isArray(value)) return
  if (emptied(stripped) && !doc.keptEmpty.events.has(key)) return editor.removeProperty(["hooks"], key)
  for (let i = value.length - 1; i >= 0; i--) {
    const entry: unknown = value[i]
    if (!holdsMyco(layout, entry)) continue
    const rest = (handlersOf(entry) ?? []).filter((h) => !mentionsGuard(h))
    if (layout === "flat" || rest.length === 0) editor.removeElement(["hooks", key], i)
    else stripGroup(editor, ["hooks", key, i], entry)
  }
}

/** Puts `desired` in place among the entries of the event at `["hooks", key]` (see {@link placeEntry}). */
const placeInEvent = (editor: TextEditor, layout: Layout, key: string, value: ReadonlyArray<unknown>, desired: JsonObject): void => {
  const first = value.findIndex((entry) => isMycoEntry(layout, entry))
  // From the last entry back, so that each change leaves the indexes before it as they were.
  for (let i = value.length - 1; i >= 0; i--) {
    const entry = value[i]
    if (isMycoEntry(layout, entry)) {
      if (i !== first) editor.removeElement(["hooks", key], i)
      else if (!sameJson(entry, desired)) editor.replaceElement(["hooks", key], i, desired)
    } else if (layout === "groups" && holdsMyco(layout, entry)) {
      stripGroup(editor, ["hooks", key, i], entry)
    }
  }
  if (first === -1) editor.appendElement(["hooks", key], desired)
}

/** The edited text, once checked to hold exactly `expected`: else the edit went wrong, and nothing is written. */
const checked = (spec: AgentHooks, doc: Document, edited: string, expected: unknown): Either.Either<string, MalformedConfig> => {
  const errors: Array<ParseError> = []
  const tree = parseTree(edited, errors, parseOptions(spec))
  const value: unknown = tree === undefined ? undefined : getNodeValue(tree)
  if (errors.length === 0 && sameJson(value, expected)) return Either.right(doc.bom + edited)
  return Either.left(
    new MalformedConfig({
      agent: spec.agent,
      file: spec.configPath,
      problem: "myco cannot edit this file without changing more than its own entries (a bug in myco: please report it, with the file)"
    })
  )
}

/** A new config file holding only what myco writes. */
const fresh = (root: JsonObject): string => `${JSON.stringify(root, null, defaultStyle.indent)}\n`

/**
 * Installs myco's hooks into the agent's config file's text (`undefined`: no file yet). Pure:
 * `command` gives the command for each event. Fails, writing nothing, on a malformed file.
 */
export const install = (
  spec: AgentHooks,
  existingText: string | undefined,
  command: (event: InstalledEvent) => string
): Either.Either<MergeResult, MalformedConfig> =>
  Either.flatMap(parse(spec, existingText), (doc): Either.Either<MergeResult, MalformedConfig> => {
    const expected = installedValue(spec, doc, command)
    if (!doc.existed) return Either.right({ text: fresh(expected), changed: true })
    if (sameJson(expected, doc.root)) return Either.right({ text: existingText, changed: false })
    const editor = new TextEditor(doc.body, parseOptions(spec), doc.style)
    const hooks = expected["hooks"]
    if (!doc.hasHooks) {
      editor.appendProperty([], "hooks", hooks)
    } else {
      const mine = eventNames(spec)
      for (const [key, value] of Object.entries(doc.hooks)) {
        if (!mine.has(key)) stripEvent(editor, doc, spec.layout, key, value)
      }
      for (const e of spec.events) {
        const value = doc.hooks[e.name]
        const desired = spec.entry(e, command(e))
        if (Array.isArray(value)) placeInEvent(editor, spec.layout, e.name, value, desired)
        else editor.appendProperty(["hooks"], e.name, [desired])
      }
    }
    return Either.map(checked(spec, doc, editor.current, expected), (text) => ({ text, changed: true }))
  })

/**
 * Removes every myco entry from the agent's config file's text. Events and groups that held only
 * myco's entries go; so does the `hooks` object if nothing else is left in it, and the whole file
 * (text `undefined`) if nothing is left in it but what myco would have created (no comment either).
 * A file that does not mention the guard has nothing of myco's: it is left alone, even when myco
 * could not read it.
 */
export const uninstall = (spec: AgentHooks, existingText: string | undefined): Either.Either<MergeResult, MalformedConfig> => {
  if (existingText !== undefined && !mentionsGuardText(existingText)) return Either.right({ text: existingText, changed: false })
  return Either.flatMap(parse(spec, existingText), (doc): Either.Either<MergeResult, MalformedConfig> => {
    if (!doc.existed) return Either.right({ text: existingText, changed: false })
    const { root, removed } = uninstalledValue(spec, doc)
    if (!removed) return Either.right({ text: existingText, changed: false })
    const editor = new TextEditor(doc.body, parseOptions(spec), doc.style)
    const hooks = root["hooks"]
    if (!isObject(hooks)) {
      editor.removeProperty([], "hooks")
    } else {
      for (const [key, value] of Object.entries(doc.hooks)) {
        if (key in hooks) stripEvent(editor, doc, spec.layout, key, value)
        else editor.removeProperty(["hooks"], key)
      }
    }
    const edited = editor.current
    const nothingElse = (sameJson(root, {}) || sameJson(root, spec.skeleton)) && stripComments(edited) === edited
    if (nothingElse) return Either.right({ text: undefined, changed: true })
    return Either.map(checked(spec, doc, edited, root), (text) => ({ text, changed: true }))
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
