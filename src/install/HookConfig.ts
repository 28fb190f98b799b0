/**
 * The coding agents myco captures sessions from, as far as their hooks go: where each keeps its
 * project-level hook configuration, which of its events myco installs (named exactly as the agent
 * names them), how each hook command is spelled, and pure functions that merge myco's entries into
 * the user's file and take them out again.
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
 * Sources (each agent's published hook documentation): see `docs` on each agent below.
 */
import { Either, ParseResult, Schema } from "effect"

/** The agents `myco hooks` knows, by the name their hooks pass with `--agent`. */
export const HOOK_AGENTS = ["claude-code", "codex", "cursor", "gemini-cli", "vscode-copilot", "windsurf"] as const
export type HookAgent = (typeof HOOK_AGENTS)[number]

/** Where the guard lives, relative to the project; every myco hook command runs it. */
export const GUARD_PATH = ".agents/myco-run.cjs"

/** Recognises myco's entries: their command runs the guard (either path separator). */
const GUARD_PATTERN = /\.agents[\\/]myco-run\.cjs/

/** The same in a file's raw JSON text, where a backslash is escaped. */
const GUARD_TEXT_PATTERN = /\.agents(?:\/|\\\\)myco-run\.cjs/

/**
 * True when a config file's text mentions the guard at all: for a file too broken to inspect,
 * the best sign that myco's hooks are (or were) in it.
 */
export const mentionsGuardText = (text: string): boolean => GUARD_TEXT_PATTERN.test(text)

/** A JSON object, as read from a config file. */
export type JsonObject = { readonly [key: string]: unknown }
const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({ identifier: "a JSON object" })

/** One event myco installs a hook for. */
export interface HookEvent {
  /** The event's name, spelled as the agent spells it. */
  readonly name: string
  /** Installed non-blocking (the agent does not wait for it). */
  readonly async: boolean
  /** The agent's matcher, when myco narrows the event (none does today: capture wants all). */
  readonly matcher?: string
  /** What the event gives myco, for `myco hooks status` and the docs. */
  readonly captures: string
}

/**
 * How an agent lays out the entries of one event:
 * - `groups`: matcher groups, `[{ matcher?, hooks: [handler, ...] }]` (Claude Code, Codex, Gemini CLI);
 * - `flat`: handlers directly, `[handler, ...]` (Cursor, VS Code, Windsurf).
 */
export type Layout = "groups" | "flat"

/** What a hook command needs to know about where the project sits. */
export interface CommandContext {
  /**
   * The project directory relative to the root of its git work tree ("" when it is the root), or
   * null when it is not in one. Only Codex needs it: it gives hooks no project directory.
   */
  readonly projectInGit: string | null
}

/** One agent's hook configuration, as myco installs it. */
export interface AgentHooks {
  readonly agent: HookAgent
  /** The agent's name for people. */
  readonly title: string
  /** The project-level config file, relative to the project (forward slashes). */
  readonly configPath: string
  readonly format: "json"
  readonly layout: Layout
  /** The document a new config file starts from (its `hooks` object is filled in). */
  readonly skeleton: JsonObject
  /** The events myco installs, in the order they are written. */
  readonly events: ReadonlyArray<HookEvent>
  /** The command that runs the guard for `event`. */
  readonly command: (event: HookEvent, context: CommandContext) => string
  /** The entry myco puts under `event`: a handler (`flat`) or a group holding one (`groups`). */
  readonly entry: (event: HookEvent, command: string) => JsonObject
  /** What the agent's hooks cannot do for capture, in a sentence each. */
  readonly limitations: ReadonlyArray<string>
  /** The published documentation this configuration follows. */
  readonly docs: ReadonlyArray<string>
}

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

/** How long a blocking hook may run before the agent gives up on it, in seconds. */
const TIMEOUT_SECONDS = 10

/** Quotes a path for a POSIX shell's double quotes. */
const shellDoubleQuoted = (s: string): string => s.replace(/["\\$`]/g, (c) => `\\${c}`)

const event = (name: string, async: boolean, captures: string): HookEvent => ({ name, async, captures })

/**
 * Claude Code: `.claude/settings.json` (the shared project settings). Hooks run through the shell
 * with `$CLAUDE_PROJECT_DIR` set to the project. Claude Code kills the async hooks still running
 * when it exits (and may not start an async hook fired just before it exits, in `-p` runs): an
 * event whose hook is cut off that way is lost. So the events that fire once per turn or session,
 * close to an exit (SessionStart, UserPromptSubmit, Stop, StopFailure, SessionEnd), are installed
 * blocking: one hook (tens of ms) per turn, against a turn's seconds. The frequent mid-turn events
 * (tool uses, subagents, compaction) are `async`, so tool calls never wait for myco; the model
 * still has to answer after a tool's result, which leaves its hook time to finish.
 */
const claudeCode: AgentHooks = {
  agent: "claude-code",
  title: "Claude Code",
  configPath: ".claude/settings.json",
  format: "json",
  layout: "groups",
  skeleton: {},
  events: [
    event("SessionStart", false, "session start, with its source (startup, resume, clear, compact)"),
    event("UserPromptSubmit", false, "prompts"),
    event("PostToolUse", true, "tool uses with their responses"),
    event("PostToolUseFailure", true, "tool failures"),
    event("Stop", false, "turn end, with the last answer"),
    event("StopFailure", false, "turn failure (API error)"),
    event("SubagentStart", true, "subagent start"),
    event("SubagentStop", true, "subagent stop"),
    event("PreCompact", true, "compaction (manual or auto)"),
    event("SessionEnd", false, "session end, with its reason")
  ],
  command: (e) => `node "$CLAUDE_PROJECT_DIR"/${GUARD_PATH} ${e.name} --agent claude-code`,
  entry: (e, command) => ({
    ...(e.matcher === undefined ? {} : { matcher: e.matcher }),
    hooks: [{ type: "command", command, ...(e.async ? { async: true } : {}), timeout: TIMEOUT_SECONDS }]
  }),
  limitations: [
    "Claude Code kills async hooks still running when it exits: session start, prompts, turn ends and session end are installed blocking (one hook per turn, bounded by a 10 s timeout) so that the last turn is not lost",
    "tool uses, subagents and compaction are async: they run concurrently, so they can reach myco slightly out of order (shown in the order the hooks started)"
  ],
  docs: ["https://code.claude.com/docs/en/hooks", "https://code.claude.com/docs/en/settings"]
}

/**
 * Codex CLI: `.codex/hooks.json` (a JSON file with the same event/group/handler shape as Claude
 * Code's). Hooks run through `$SHELL -lc` in the session's working directory, and Codex gives them
 * no project directory, so the command finds the project from the git work tree (or the working
 * directory when there is none). Stable Codex drops `async` hooks with a warning, so every hook is
 * blocking; Codex caps SessionEnd hooks at 3 s.
 */
const codex: AgentHooks = {
  agent: "codex",
  title: "Codex CLI",
  configPath: ".codex/hooks.json",
  format: "json",
  layout: "groups",
  skeleton: {},
  events: [
    event("SessionStart", false, "session start, with its source (startup, resume, clear)"),
    event("UserPromptSubmit", false, "prompts"),
    event("PostToolUse", false, "tool uses with their responses (a failure is a response)"),
    event("Stop", false, "turn end, with the last answer"),
    event("StopFailure", false, "turn failure"),
    event("SubagentStart", false, "subagent start"),
    event("SubagentStop", false, "subagent stop"),
    event("PreCompact", false, "compaction"),
    event("SessionEnd", false, "session end")
  ],
  command: (e, context) => {
    const inProject = context.projectInGit === null || context.projectInGit === "" ? "" : `${context.projectInGit}/`
    return `node "$(git rev-parse --show-toplevel 2>/dev/null || pwd)/${shellDoubleQuoted(inProject)}${GUARD_PATH}" ${e.name} --agent codex`
  },
  entry: (e, command) => ({
    ...(e.matcher === undefined ? {} : { matcher: e.matcher }),
    hooks: [{ type: "command", command, timeout: e.name === "SessionEnd" ? 3 : TIMEOUT_SECONDS }]
  }),
  limitations: [
    "no async hooks on stable Codex (it skips them): every hook is blocking, bounded by its timeout",
    "no separate tool-failure event: a failed tool arrives as a PostToolUse response",
    "project hooks run only once the project is trusted and each hook is reviewed in Codex (`/hooks`)",
    "hooks need Codex's hooks feature (on by default in current Codex; `[features] hooks = true` in older ones)"
  ],
  docs: ["https://developers.openai.com/codex/hooks", "https://developers.openai.com/codex/config-advanced"]
}

/**
 * Cursor: `.cursor/hooks.json`, `{ version: 1, hooks: { event: [{ command }] } }`. Project hooks
 * run from the project root, so the guard's relative path is enough. Cursor has no async flag.
 */
const cursor: AgentHooks = {
  agent: "cursor",
  title: "Cursor",
  configPath: ".cursor/hooks.json",
  format: "json",
  layout: "flat",
  skeleton: { version: 1 },
  events: [
    event("sessionStart", false, "session start"),
    event("beforeSubmitPrompt", false, "prompts (the only prompt event is a before-hook)"),
    event("postToolUse", false, "tool uses with their results"),
    event("postToolUseFailure", false, "tool failures"),
    event("stop", false, "turn end, with its status (completed, aborted, error)"),
    event("subagentStart", false, "subagent start"),
    event("subagentStop", false, "subagent stop"),
    event("preCompact", false, "compaction"),
    event("sessionEnd", false, "session end, with its reason")
  ],
  command: (e) => `node ${GUARD_PATH} ${e.name} --agent cursor`,
  entry: (_e, command) => ({ command }),
  limitations: [
    "no async hooks: every hook is blocking (Cursor only ignores the output of observational ones)",
    "prompts are captured by beforeSubmitPrompt, which Cursor runs before sending the prompt",
    "some Cursor versions reject sessionStart as an unknown hook type"
  ],
  docs: ["https://cursor.com/docs/hooks"]
}

/**
 * Gemini CLI: the `hooks` object of `.gemini/settings.json` (groups, like Claude Code's, with the
 * timeout in milliseconds). Gemini replaces `$GEMINI_PROJECT_DIR` in the command with the quoted
 * project directory itself, so it must not be quoted again.
 */
const geminiCli: AgentHooks = {
  agent: "gemini-cli",
  title: "Gemini CLI",
  configPath: ".gemini/settings.json",
  format: "json",
  layout: "groups",
  skeleton: {},
  events: [
    event("SessionStart", false, "session start, with its source (startup, resume, clear)"),
    event("BeforeAgent", false, "prompts (the only prompt event is a before-hook)"),
    event("AfterTool", false, "tool uses with their responses, failures included"),
    event("AfterAgent", false, "turn end, with the answer"),
    event("PreCompress", false, "compaction"),
    event("SessionEnd", false, "session end, with its reason")
  ],
  command: (e) => `node $GEMINI_PROJECT_DIR/${GUARD_PATH} ${e.name} --agent gemini-cli`,
  entry: (e, command) => ({
    ...(e.matcher === undefined ? {} : { matcher: e.matcher }),
    hooks: [
      { name: "myco", type: "command", command, description: "myco session capture", timeout: TIMEOUT_SECONDS * 1000 }
    ]
  }),
  limitations: [
    "no async flag: hooks are blocking, except that Gemini does not wait for PreCompress and SessionEnd",
    "no subagent events and no turn-failure event; a tool failure arrives in AfterTool's response",
    "project hooks run only in trusted folders"
  ],
  docs: ["https://geminicli.com/docs/hooks", "https://geminicli.com/docs/hooks/reference"]
}

/**
 * VS Code (Copilot agent mode): a file of myco's own in `.github/hooks/`, where VS Code loads every
 * `*.json`; handlers directly under each event, timeout in seconds. Hooks run in the workspace
 * folder, so the guard's relative path is enough. No async flag.
 */
const vscodeCopilot: AgentHooks = {
  agent: "vscode-copilot",
  title: "VS Code Copilot",
  configPath: ".github/hooks/myco.json",
  format: "json",
  layout: "flat",
  skeleton: {},
  events: [
    event("SessionStart", false, "session start"),
    event("UserPromptSubmit", false, "prompts"),
    event("PostToolUse", false, "tool uses with their responses"),
    event("Stop", false, "turn end"),
    event("SubagentStart", false, "subagent start"),
    event("SubagentStop", false, "subagent stop"),
    event("PreCompact", false, "compaction")
  ],
  command: (e) => `node ${GUARD_PATH} ${e.name} --agent vscode-copilot`,
  entry: (_e, command) => ({ type: "command", command, timeout: TIMEOUT_SECONDS }),
  limitations: [
    "no async hooks: every hook is blocking, bounded by its timeout",
    "no session-end, tool-failure or turn-failure events: sessions end by myco's idle timeout"
  ],
  docs: [
    "https://code.visualstudio.com/docs/agent-customization/hooks",
    "https://code.visualstudio.com/docs/agents/reference/hooks-reference"
  ]
}

/**
 * Windsurf (Cascade): `.windsurf/hooks.json`, `{ hooks: { event: [{ command }] } }`, run from the
 * workspace root. Cascade has no session or subagent events and no async flag; its trajectory id
 * stands for the session.
 */
const windsurf: AgentHooks = {
  agent: "windsurf",
  title: "Windsurf",
  configPath: ".windsurf/hooks.json",
  format: "json",
  layout: "flat",
  skeleton: {},
  events: [
    event("pre_user_prompt", false, "prompts (the only prompt event is a before-hook)"),
    event("post_run_command", false, "shell commands with their output"),
    event("post_write_code", false, "file edits"),
    event("post_mcp_tool_use", false, "MCP tool uses with their results"),
    event("post_cascade_response", false, "turn end, with the response")
  ],
  command: (e) => `node ${GUARD_PATH} ${e.name} --agent windsurf`,
  entry: (_e, command) => ({ command }),
  limitations: [
    "no async hooks: every hook is blocking",
    "no session start/end, subagent, compaction or failure events: sessions start with their first event and end by myco's idle timeout",
    "file reads (post_read_code) are not captured: they fire on every read and would each block Cascade"
  ],
  docs: ["https://docs.windsurf.com/windsurf/cascade/hooks"]
}

/** Every agent's hook configuration, by name. */
export const AGENT_HOOKS: { readonly [A in HookAgent]: AgentHooks } = {
  "claude-code": claudeCode,
  codex,
  cursor,
  "gemini-cli": geminiCli,
  "vscode-copilot": vscodeCopilot,
  windsurf
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
  command: (event: HookEvent) => string
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
  command: (event: HookEvent) => string
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
