/**
 * The hook payload shape Claude Code defined and other agents follow (Codex's lifecycle hooks
 * copy it field for field; Qwen Code and others are Claude-style too): the common fields, the
 * tool fields, and the events whose mapping is the same wherever the shape is used. A contract
 * that follows it spreads these into its own and adds or overrides what differs, so that the
 * shared mapping is written once.
 */
import { type AgentContract, defined, type EventSpec, Json, type Reader, Str, struct, toolOf, type TypeOf } from "../Contract.js"
import type { ToolFields } from "../Tools.js"

/** The fields of a Claude-style payload. */
export const claudeStyleFields = {
  session_id: Str,
  transcript_path: Str,
  cwd: Str,
  hook_event_name: Str,
  model: Str,
  /** SessionStart: startup | resume | clear | compact. */
  source: Str,
  /** SessionEnd: why it ended. */
  reason: Str,
  /** UserPromptSubmit. */
  prompt: Str,
  /** Tool events. */
  tool_name: Str,
  tool_input: Json,
  tool_response: Json,
  tool_use_id: Str,
  /** SubagentStart, SubagentStop. */
  agent_id: Str,
  agent_type: Str,
  /** Stop, SubagentStop: the final response. */
  last_assistant_message: Str,
  /** PostToolUseFailure: what went wrong; StopFailure: the error type (rate_limit, overloaded...). */
  error: Str,
  /** PreCompact, PostCompact: manual | auto. */
  trigger: Str
} as const

const ClaudeStyle = struct(claudeStyleFields)
/** A Claude-style payload, decoded. */
export type ClaudeStylePayload = TypeOf<typeof ClaudeStyle>

/** The tool of a tool event, with its response when `response` is set. */
export const claudeStyleTool = (r: Reader<ClaudeStylePayload>, response: boolean) =>
  toolOf(r.need("tool_name"), () => ({
    input: r.take("tool_input"),
    ...defined({ response: response ? r.take("tool_response") : undefined, callId: r.take("tool_use_id") })
  }))

/**
 * The input fields of Claude-style tools that name files and commands: Read, Write, Edit and
 * MultiEdit take `file_path`, NotebookEdit `notebook_path`, Grep, Glob and LS `path`, Bash
 * `command` (Codex's shell: `command`, a string or an argv list; its apply_patch carries a patch).
 */
export const claudeStyleTools: ToolFields = { paths: ["file_path", "notebook_path", "path"], commands: ["command", "cmd"] }

/** The common fields every Claude-style event carries: session, working directory, transcript. */
export const claudeStyleCommon: AgentContract<ClaudeStylePayload>["common"] = (r) => ({
  sessionId: r.need("session_id"),
  cwd: r.take("cwd"),
  transcriptPath: r.take("transcript_path")
})

const subagent = (r: Reader<ClaudeStylePayload>, stopped: boolean) =>
  defined({ id: r.need("agent_id"), type: r.take("agent_type"), response: stopped ? r.take("last_assistant_message") : undefined })

/** The events mapped the same way by every Claude-style agent. */
export const claudeStyleEvents: Readonly<Record<string, EventSpec<ClaudeStylePayload>>> = {
  UserPromptSubmit: { kind: "prompt", map: (r) => ({ data: defined({ prompt: r.need("prompt") }) }) },
  PreToolUse: { kind: "tool.request", map: (r) => ({ data: defined({ tool: claudeStyleTool(r, false) }) }) },
  // The agent is about to ask the user for approval: a notification about the pending tool call.
  PermissionRequest: { kind: "notification", map: (r) => ({ data: defined({ tool: claudeStyleTool(r, false) }) }) },
  PostToolUse: { kind: "tool.use", map: (r) => ({ data: defined({ tool: claudeStyleTool(r, true) }) }) },
  SubagentStart: { kind: "subagent.start", map: (r) => ({ data: { subagent: subagent(r, false) } }) },
  SubagentStop: { kind: "subagent.stop", map: (r) => ({ data: { subagent: subagent(r, true) } }) },
  Stop: { kind: "turn.end", map: (r) => ({ data: defined({ response: r.take("last_assistant_message") }) }) },
  // The turn ended on an API error; `error_details` and the rendered error text stay in extra.
  StopFailure: { kind: "turn.failure", map: (r) => ({ data: defined({ error: r.need("error") }) }) },
  PreCompact: { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) },
  PostCompact: { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) },
  SessionEnd: { kind: "session.end", map: (r) => ({ data: defined({ reason: r.take("reason") }) }) }
}
