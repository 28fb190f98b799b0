/**
 * Gemini CLI's hook payloads, normalised.
 *
 * Contract: https://geminicli.com/docs/hooks/reference (source: docs/hooks/reference.md in
 * google-gemini/gemini-cli). Every hook gets `session_id`, `transcript_path`, `cwd`,
 * `hook_event_name` and `timestamp`. AfterAgent carries the turn's `prompt` and its final
 * `prompt_response`; AfterTool's `tool_response` holds `llmContent`, `returnDisplay` and, when
 * the tool failed, `error`.
 *
 * Not mapped, stored raw if hooked: BeforeModel, AfterModel and BeforeToolSelection (model
 * requests and response chunks: AfterModel fires for every streamed chunk, far too often to hook).
 */
import type { NormalizedEvent } from "../../domain/CanonicalEvent.js"
import { type AgentContract, defined, errorMessage, Json, makeNormalizer, readSource, Str, toolOf, toolRun, struct, type TypeOf } from "../Contract.js"

const Payload = struct({
  session_id: Str,
  transcript_path: Str,
  cwd: Str,
  hook_event_name: Str,
  /** SessionStart: startup | resume | clear. */
  source: Str,
  /** SessionEnd: exit | clear | logout | prompt_input_exit | other. */
  reason: Str,
  /** BeforeAgent, AfterAgent. */
  prompt: Str,
  /** AfterAgent: the agent's final text for the turn. */
  prompt_response: Str,
  /** BeforeTool, AfterTool. */
  tool_name: Str,
  tool_input: Json,
  tool_response: Json,
  /** Notification: ToolPermission. */
  notification_type: Str,
  message: Str,
  /** PreCompress: auto | manual. */
  trigger: Str
})
type Payload = TypeOf<typeof Payload>

/** The error of a failed tool run: `tool_response.error` (`{ message, type }`), when set. */
const failureOf = (response: unknown): string | undefined => {
  const error = typeof response === "object" && response !== null && "error" in response ? response.error : undefined
  return error === undefined || error === null ? undefined : (errorMessage(error) ?? JSON.stringify(error))
}

const contract: AgentContract<Payload> = {
  agent: "gemini-cli",
  schema: Payload,
  sessionIdFields: ["session_id"],
  eventField: "hook_event_name",
  common: (r) => ({ sessionId: r.need("session_id"), cwd: r.take("cwd"), transcriptPath: r.take("transcript_path") }),
  // read_file (`absolute_path`, later `file_path`), write_file and replace (`file_path`),
  // read_many_files (`paths`), list_directory, glob and search_file_content (`path`, later
  // `dir_path`), run_shell_command (`command`, in `directory`).
  tools: { paths: ["file_path", "absolute_path", "path", "dir_path", "paths", "directory"], commands: ["command"] },
  events: {
    SessionStart: { kind: "session.start", map: (r) => ({ source: readSource(r, "source") }) },
    SessionEnd: { kind: "session.end", map: (r) => ({ data: defined({ reason: r.take("reason") }) }) },
    BeforeAgent: { kind: "prompt", map: (r) => ({ data: defined({ prompt: r.need("prompt") }) }) },
    AfterAgent: {
      kind: "turn.end",
      map: (r) => ({ data: defined({ prompt: r.take("prompt"), response: r.need("prompt_response") }) })
    },
    BeforeTool: {
      kind: "tool.request",
      map: (r) => ({ data: defined({ tool: toolOf(r.need("tool_name"), () => ({ input: r.take("tool_input") })) }) })
    },
    // A failed tool still fires AfterTool, with `tool_response.error` set.
    AfterTool: {
      kind: "tool.use",
      map: (r) => {
        const tool = toolOf(r.need("tool_name"), () => ({ input: r.take("tool_input"), ...defined({ response: r.take("tool_response") }) }))
        return toolRun(tool, failureOf(tool?.response))
      }
    },
    // Gemini asks the user for a tool permission; `details` stays in extra.
    Notification: {
      kind: "notification",
      map: (r) => ({ data: defined({ message: r.need("message"), reason: r.take("notification_type") }) })
    },
    PreCompress: { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) }
  }
}

/** Normalises one Gemini CLI hook payload. */
export const normalizeGeminiCli: (eventName: string, payload: unknown) => NormalizedEvent = makeNormalizer(contract)

/** The Gemini CLI contract (its events are listed in AGENT_EVENTS). */
export const geminiCliContract = contract
