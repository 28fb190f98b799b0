/**
 * GitHub Copilot's hook payloads in VS Code, normalised.
 *
 * Contracts:
 * - VS Code agent hooks: https://code.visualstudio.com/docs/agents/reference/hooks-reference
 *   (PascalCase events; common fields `timestamp`, `cwd`, `session_id`, `hook_event_name`,
 *   `transcript_path`; the first previews sent `sessionId` and `hookEventName`).
 * - Copilot CLI and cloud agent hooks, which read the same `.github/hooks/*.json`:
 *   https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference. An
 *   event configured in camelCase (`preToolUse`) gets camelCase fields (`sessionId`, `toolName`,
 *   `toolArgs`, `toolResult`); in PascalCase, VS Code-compatible snake_case fields. VS Code
 *   itself converts camelCase event names to its own, but the hook still runs with the name the
 *   config spells, so both spellings, and both field styles, are accepted for every event.
 */
import type { CanonicalTool, NormalizedEvent } from "../../domain/CanonicalEvent.js"
import {
  type AgentContract,
  defined,
  errorMessage,
  type EventSpec,
  Json,
  makeNormalizer,
  type Reader,
  readSource,
  Str,
  toolOf,
  toolRun, struct, decodeStruct, type TypeOf } from "../Contract.js"

const Payload = struct({
  session_id: Str,
  sessionId: Str,
  transcript_path: Str,
  transcriptPath: Str,
  cwd: Str,
  hook_event_name: Str,
  /** SessionStart: VS Code says "new"; the Copilot CLI startup | resume | new. */
  source: Str,
  initial_prompt: Str,
  initialPrompt: Str,
  /** SessionEnd: complete | error | abort | timeout | user_exit. */
  reason: Str,
  /** UserPromptSubmit. */
  prompt: Str,
  /** Tool events. */
  tool_name: Str,
  toolName: Str,
  tool_input: Json,
  toolArgs: Json,
  tool_use_id: Str,
  /** PostToolUse: VS Code's `tool_response`, the CLI's `tool_result` / `toolResult` ({ result_type, text_result_for_llm }). */
  tool_response: Json,
  tool_result: Json,
  toolResult: Json,
  /** PostToolUseFailure: a string; ErrorOccurred: `{ message, name, stack }`. */
  error: Json,
  error_context: Str,
  errorContext: Str,
  /** Stop / agentStop, SubagentStop: "end_turn". */
  stop_reason: Str,
  stopReason: Str,
  /** SubagentStart, SubagentStop: VS Code's `agent_id` / `agent_type`, the CLI's agent name. */
  agent_id: Str,
  agent_type: Str,
  agent_name: Str,
  agentName: Str,
  /** PreCompact: manual | auto. */
  trigger: Str,
  /** Notification. */
  message: Str,
  notification_type: Str
})
type Payload = TypeOf<typeof Payload>
type R = Reader<Payload>

const ToolResult = struct({ result_type: Str, resultType: Str, text_result_for_llm: Str, textResultForLlm: Str })
const toolResult = (response: unknown): TypeOf<typeof ToolResult> | undefined => decodeStruct(ToolResult, response)

/** The error of a tool result the CLI reports as failed, denied or in error (PostToolUse in PascalCase). */
const failureOf = (response: unknown): string | undefined => {
  const result = toolResult(response)
  const type = result?.result_type ?? result?.resultType
  return type === "failure" || type === "denied" || type === "error" ? (result?.text_result_for_llm ?? result?.textResultForLlm ?? type) : undefined
}

const tool = (r: R, more: () => Omit<CanonicalTool, "name" | "input"> = () => ({})): CanonicalTool | undefined => {
  const name = r.peek("tool_name") === undefined && r.peek("toolName") !== undefined ? r.take("toolName") : r.need("tool_name")
  return toolOf(name, () => ({ input: r.take("tool_input") ?? r.take("toolArgs"), ...defined({ callId: r.take("tool_use_id") }), ...more() }))
}

const sessionStart: EventSpec<Payload> = {
  kind: "session.start",
  map: (r) => ({
    source: readSource(r, "source", { new: "startup" }),
    data: defined({ prompt: r.take("initial_prompt") ?? r.take("initialPrompt") })
  })
}
const sessionEnd: EventSpec<Payload> = { kind: "session.end", map: (r) => ({ data: defined({ reason: r.take("reason") }) }) }
const prompt: EventSpec<Payload> = { kind: "prompt", map: (r) => ({ data: defined({ prompt: r.need("prompt") }) }) }
const preToolUse: EventSpec<Payload> = { kind: "tool.request", map: (r) => ({ data: defined({ tool: tool(r) }) }) }
const postToolUse: EventSpec<Payload> = {
  kind: "tool.use",
  map: (r) => {
    const used = tool(r, () => defined({ response: r.take("tool_response") ?? r.take("tool_result") ?? r.take("toolResult") }))
    return toolRun(used, failureOf(used?.response))
  }
}
const postToolUseFailure: EventSpec<Payload> = {
  kind: "tool.failure",
  map: (r) => {
    // A string error is mapped as sent; any other shape is read for its message and kept in extra.
    const raw = r.expect("error")
    if (typeof raw === "string") r.take("error")
    const error = errorMessage(raw)
    const failed = tool(r, () => defined({ error }))
    return { data: defined({ tool: failed, error }) }
  }
}
const stop: EventSpec<Payload> = { kind: "turn.end", map: (r) => ({ data: defined({ reason: r.take("stop_reason") ?? r.take("stopReason") }) }) }
const subagent = (r: R) => defined({ id: r.take("agent_id"), type: r.take("agent_type") ?? r.take("agent_name") ?? r.take("agentName") })
const subagentStart: EventSpec<Payload> = { kind: "subagent.start", map: (r) => ({ data: { subagent: subagent(r) } }) }
const subagentStop: EventSpec<Payload> = {
  kind: "subagent.stop",
  map: (r) => ({ data: { subagent: subagent(r), ...defined({ reason: r.take("stop_reason") ?? r.take("stopReason") }) } })
}
// An error during execution (model call, tool, system): the turn failed. `error` ({ message, name, stack }) stays in extra.
const errorOccurred: EventSpec<Payload> = {
  kind: "turn.failure",
  map: (r) => ({ data: defined({ error: errorMessage(r.expect("error")), reason: r.take("error_context") ?? r.take("errorContext") }) })
}
const preCompact: EventSpec<Payload> = { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) }
const notification: EventSpec<Payload> = {
  kind: "notification",
  map: (r) => ({ data: defined({ message: r.need("message"), reason: r.take("notification_type") }) })
}
// The CLI's permission service is about to decide on a tool call: a notification about it.
const permissionRequest: EventSpec<Payload> = { kind: "notification", map: (r) => ({ data: defined({ tool: tool(r) }) }) }

const contract: AgentContract<Payload> = {
  agent: "vscode-copilot",
  schema: Payload,
  sessionIdFields: ["session_id", "sessionId"],
  // No event-name check: VS Code reports its PascalCase name for a hook configured in camelCase.
  common: (r) => ({
    sessionId: r.peek("session_id") === undefined && r.peek("sessionId") !== undefined ? r.take("sessionId") : r.need("session_id"),
    cwd: r.take("cwd"),
    transcriptPath: r.take("transcript_path") ?? r.take("transcriptPath")
  }),
  // The Copilot CLI's view, create, edit, grep and glob (`path`), bash (`command`); VS Code's
  // readFile and editFiles (`filePath`, `filePaths`), runInTerminal (`command`).
  tools: { paths: ["path", "paths", "file_path", "filePath", "filePaths"], commands: ["command", "commandLine"] },
  events: {
    SessionStart: sessionStart,
    SessionEnd: sessionEnd,
    UserPromptSubmit: prompt,
    PreToolUse: preToolUse,
    PostToolUse: postToolUse,
    PostToolUseFailure: postToolUseFailure,
    Stop: stop,
    SubagentStart: subagentStart,
    SubagentStop: subagentStop,
    ErrorOccurred: errorOccurred,
    PreCompact: preCompact,
    Notification: notification,
    sessionStart,
    sessionEnd,
    userPromptSubmitted: prompt,
    preToolUse,
    postToolUse,
    postToolUseFailure,
    agentStop: stop,
    subagentStart,
    subagentStop,
    errorOccurred,
    preCompact,
    notification,
    permissionRequest
  }
}

/** Normalises one VS Code (or Copilot CLI) hook payload. */
export const normalizeVscodeCopilot: (eventName: string, payload: unknown) => NormalizedEvent = makeNormalizer(contract)

/** The VS Code Copilot contract (its events are listed in AGENT_EVENTS). */
export const vscodeCopilotContract = contract
