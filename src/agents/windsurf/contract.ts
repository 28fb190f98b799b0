/**
 * Windsurf (Cascade) hook payloads, normalised.
 *
 * Contract: https://docs.windsurf.com/windsurf/cascade/hooks ("Common Input Structure" and each
 * hook's input). Every hook gets `agent_action_name` (the event), `trajectory_id` (the Cascade
 * conversation: the session), `execution_id` (one agent turn), `timestamp`, and the event's
 * details under `tool_info`. Cascade has no session start or end hook, so a session begins with
 * its first event and ends only by timeout.
 *
 * Not mapped, stored raw if hooked: post_setup_worktree (a worktree's setup, no canonical kind).
 * post_cascade_response and post_cascade_response_with_transcript both end a turn (the first with
 * the response text, the second with the transcript file): the installer should hook one of them.
 */
import type { CanonicalTool, NormalizedEvent } from "../../domain/CanonicalEvent.js"
import { type AgentContract, defined, Json, JsonRecord, makeNormalizer, type Reader, Str, toolOf, struct, type TypeOf } from "../Contract.js"

const Payload = struct({
  trajectory_id: Str,
  agent_action_name: Str,
  /** Not in the published contract; third-party integrations report it, so it is mapped when present. */
  model_name: Str,
  tool_info: JsonRecord
})
type Payload = TypeOf<typeof Payload>

const ToolInfo = struct({
  /** pre/post_read_code, pre/post_write_code. */
  file_path: Str,
  edits: Json,
  /** pre/post_run_command. */
  command_line: Str,
  cwd: Str,
  /** pre/post_mcp_tool_use. */
  mcp_server_name: Str,
  mcp_tool_name: Str,
  mcp_tool_arguments: Json,
  mcp_result: Json,
  /** pre_user_prompt. */
  user_prompt: Str,
  /** post_cascade_response: markdown of everything Cascade did since the last prompt. */
  response: Str,
  /** post_cascade_response_with_transcript. */
  transcript_path: Str
})
type ToolInfo = TypeOf<typeof ToolInfo>

const info = (r: Reader<Payload>): Reader<ToolInfo> => r.nested("tool_info", ToolInfo)

/** A code or command event: the tool is named after the hook (read_code...), its input is `tool_info`. */
const builtIn = (r: Reader<Payload>, name: "read_code" | "write_code" | "run_command") => {
  const i = info(r)
  const subject = i.need(name === "run_command" ? "command_line" : "file_path")
  if (subject === undefined) return {}
  const input = defined({ file_path: i.take("file_path"), edits: i.take("edits"), command_line: i.take("command_line"), cwd: i.take("cwd") })
  return { cwd: input.cwd, data: { tool: { name, input } } }
}

/** An MCP event: the tool is the MCP tool, its input the server and arguments. */
const mcp = (r: Reader<Payload>, used: boolean): { readonly tool?: CanonicalTool } => {
  const i = info(r)
  const tool = toolOf(i.need("mcp_tool_name"), () => ({
    input: defined({ mcp_server_name: i.take("mcp_server_name"), mcp_tool_arguments: i.take("mcp_tool_arguments") }),
    ...defined({ response: used ? i.take("mcp_result") : undefined })
  }))
  return defined({ tool })
}

const contract: AgentContract<Payload> = {
  agent: "windsurf",
  schema: Payload,
  sessionIdFields: ["trajectory_id"],
  eventField: "agent_action_name",
  common: (r) => ({ sessionId: r.need("trajectory_id"), data: defined({ model: r.take("model_name") }) }),
  // read_code and write_code (`file_path`), run_command (`command_line`).
  tools: { paths: ["file_path"], commands: ["command_line"] },
  events: {
    pre_user_prompt: { kind: "prompt", map: (r) => ({ data: defined({ prompt: info(r).need("user_prompt") }) }) },
    pre_read_code: { kind: "tool.request", map: (r) => builtIn(r, "read_code") },
    post_read_code: { kind: "tool.use", map: (r) => builtIn(r, "read_code") },
    pre_write_code: { kind: "tool.request", map: (r) => builtIn(r, "write_code") },
    post_write_code: { kind: "tool.use", map: (r) => builtIn(r, "write_code") },
    pre_run_command: { kind: "tool.request", map: (r) => builtIn(r, "run_command") },
    post_run_command: { kind: "tool.use", map: (r) => builtIn(r, "run_command") },
    pre_mcp_tool_use: { kind: "tool.request", map: (r) => ({ data: mcp(r, false) }) },
    post_mcp_tool_use: { kind: "tool.use", map: (r) => ({ data: mcp(r, true) }) },
    post_cascade_response: { kind: "turn.end", map: (r) => ({ data: defined({ response: info(r).need("response") }) }) },
    post_cascade_response_with_transcript: { kind: "turn.end", map: (r) => ({ transcriptPath: info(r).need("transcript_path") }) }
  }
}

/** Normalises one Windsurf Cascade hook payload. */
export const normalizeWindsurf: (eventName: string, payload: unknown) => NormalizedEvent = makeNormalizer(contract)

/** The Windsurf contract (its events are listed in AGENT_EVENTS). */
export const windsurfContract = contract
