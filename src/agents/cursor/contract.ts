/**
 * Cursor's hook payloads, normalised.
 *
 * Contract: https://cursor.com/docs/hooks ("Reference": common schema and hook events). Every
 * agent hook carries `conversation_id` (stable across the conversation: the session),
 * `generation_id` (changes with every user message), `model`, `hook_event_name`,
 * `cursor_version`, `workspace_roots`, `user_email` and `transcript_path`. Tool events come both
 * generic (preToolUse / postToolUse / postToolUseFailure, for every tool) and specialised
 * (before/afterShellExecution, before/afterMCPExecution, beforeReadFile, afterFileEdit); the
 * installer should hook one family or the other, or each tool call is recorded twice. Fields sent
 * as JSON text (`tool_output`, `result_json`, an MCP call's `tool_input`) are stored decoded.
 *
 * Not mapped, stored raw if hooked: afterAgentThought (reasoning text, no canonical kind), the Tab
 * hooks beforeTabFileRead / afterTabFileEdit (inline completions, outside any conversation) and
 * workspaceOpen (an app lifecycle hook without a session).
 */
import type { CanonicalTool, NormalizedEvent } from "../../domain/CanonicalEvent.js"
import { type AgentContract, defined, embeddedJson, first, Json, makeNormalizer, type Reader, Str, Strs, toolOf, struct, type TypeOf } from "../Contract.js"

const Payload = struct({
  conversation_id: Str,
  /** sessionStart, sessionEnd: the same id as `conversation_id`. */
  session_id: Str,
  hook_event_name: Str,
  model: Str,
  workspace_roots: Strs,
  transcript_path: Str,
  /** preToolUse, postToolUse, postToolUseFailure, beforeShellExecution. */
  cwd: Str,
  /** preToolUse, postToolUse, postToolUseFailure (generic: Shell, Read, Write, MCP:..., Task). */
  tool_name: Str,
  tool_input: Json,
  tool_use_id: Str,
  /** postToolUse: the tool's result as a JSON string. */
  tool_output: Json,
  /** postToolUseFailure, sessionEnd. */
  error_message: Str,
  /** before/afterShellExecution. */
  command: Str,
  output: Json,
  /** before/afterMCPExecution: `tool_input` is a JSON string there. */
  result_json: Json,
  /** beforeReadFile, afterFileEdit. */
  file_path: Str,
  edits: Json,
  /** beforeSubmitPrompt. */
  prompt: Str,
  /** afterAgentResponse. */
  text: Str,
  /** stop, subagentStop: completed | aborted | error. */
  status: Str,
  /** subagentStart, subagentStop. */
  subagent_id: Str,
  subagent_type: Str,
  summary: Str,
  /** sessionEnd: completed | aborted | error | window_close | user_close. */
  reason: Str,
  /** preCompact: auto | manual. */
  trigger: Str
})
type Payload = TypeOf<typeof Payload>

/** A generic tool event (preToolUse, postToolUse, postToolUseFailure, before/afterMCPExecution). */
const tool = (r: Reader<Payload>, more: () => Partial<Omit<CanonicalTool, "name" | "input">> = () => ({})) =>
  toolOf(r.need("tool_name"), () => ({ input: embeddedJson(r.take("tool_input")), ...defined({ callId: r.take("tool_use_id") }), ...more() }))

/**
 * A specialised tool event, named as Cursor's matchers name the tool (Shell, Read, Write). Its
 * input is what the event is about; the rest of the payload stays in extra.
 */
const named = (r: Reader<Payload>, name: string, subject: "command" | "file_path", withEdits = false): CanonicalTool | undefined => {
  const value = r.need(subject)
  if (value === undefined) return undefined
  return { name, input: { [subject]: value, ...(withEdits ? defined({ edits: r.take("edits") }) : {}) } }
}

const contract: AgentContract<Payload> = {
  agent: "cursor",
  schema: Payload,
  sessionIdFields: ["conversation_id", "session_id"],
  eventField: "hook_event_name",
  common: (r) => ({
    sessionId: r.peek("conversation_id") === undefined && r.peek("session_id") !== undefined ? r.take("session_id") : r.need("conversation_id"),
    // The tool's directory when the event has one, else the workspace's (first) root; the roots stay in extra.
    cwd: r.take("cwd") ?? first(r.peek("workspace_roots")),
    transcriptPath: r.take("transcript_path"),
    data: defined({ model: r.take("model") })
  }),
  // Read, Write and Delete (`file_path`, `target_file`, `path`), Grep and Glob (`path`,
  // `target_directory`), Shell (`command`); the specialised events are mapped to the same names.
  tools: { paths: ["file_path", "target_file", "path", "paths", "target_directory", "relative_workspace_path"], commands: ["command"] },
  events: {
    // "Called when a new composer conversation is created": always a fresh start.
    sessionStart: { kind: "session.start", map: () => ({ source: "startup" }) },
    sessionEnd: {
      kind: "session.end",
      map: (r) => ({ data: defined({ reason: r.take("reason"), error: r.take("error_message") }) })
    },
    beforeSubmitPrompt: { kind: "prompt", map: (r) => ({ data: defined({ prompt: r.need("prompt") }) }) },
    preToolUse: { kind: "tool.request", map: (r) => ({ data: defined({ tool: tool(r) }) }) },
    postToolUse: {
      kind: "tool.use",
      map: (r) => ({ data: defined({ tool: tool(r, () => defined({ response: embeddedJson(r.take("tool_output")) })) }) })
    },
    // Failed, timed out or denied; `failure_type`, `is_interrupt` and `duration` stay in extra.
    postToolUseFailure: {
      kind: "tool.failure",
      map: (r) => {
        const failed = tool(r, () => defined({ error: r.need("error_message") }))
        return { data: defined({ tool: failed, error: failed?.error }) }
      }
    },
    beforeShellExecution: { kind: "tool.request", map: (r) => ({ data: defined({ tool: named(r, "Shell", "command") }) }) },
    afterShellExecution: {
      kind: "tool.use",
      map: (r) => {
        const shell = named(r, "Shell", "command")
        return { data: defined({ tool: shell === undefined ? undefined : { ...shell, ...defined({ response: r.take("output") }) } }) }
      }
    },
    beforeMCPExecution: { kind: "tool.request", map: (r) => ({ data: defined({ tool: tool(r) }) }) },
    afterMCPExecution: {
      kind: "tool.use",
      map: (r) => ({ data: defined({ tool: tool(r, () => defined({ response: embeddedJson(r.take("result_json")) })) }) })
    },
    // The file's content and the prompt's attachments stay in extra.
    beforeReadFile: { kind: "tool.request", map: (r) => ({ data: defined({ tool: named(r, "Read", "file_path") }) }) },
    afterFileEdit: { kind: "tool.use", map: (r) => ({ data: defined({ tool: named(r, "Write", "file_path", true) }) }) },
    subagentStart: {
      kind: "subagent.start",
      map: (r) => ({ data: { subagent: defined({ id: r.take("subagent_id"), type: r.need("subagent_type") }) } })
    },
    subagentStop: {
      kind: "subagent.stop",
      map: (r) => ({ data: { subagent: defined({ id: r.take("subagent_id"), type: r.need("subagent_type"), response: r.take("summary") }) } })
    },
    // The assistant's message: the final answer of the turn (a `stop` follows, with the same generation_id).
    afterAgentResponse: { kind: "turn.end", map: (r) => ({ data: defined({ response: r.need("text") }) }) },
    stop: {
      kind: "turn.end",
      map: (r) => {
        const status = r.expect("status")
        // "aborted" and "error" are a failed turn; the status stays in extra either way.
        return status === "aborted" || status === "error" ? { kind: "turn.failure", data: { error: status } } : {}
      }
    },
    preCompact: { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) }
  }
}

/** Normalises one Cursor hook payload. */
export const normalizeCursor: (eventName: string, payload: unknown) => NormalizedEvent = makeNormalizer(contract)

/** The Cursor contract (its events are listed in AGENT_EVENTS). */
export const cursorContract = contract
