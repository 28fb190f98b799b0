/**
 * Claude Code's hook payloads, normalised.
 *
 * Contract: https://code.claude.com/docs/en/hooks (hooks reference: "Common input fields" and the
 * input section of each event). Every event carries `session_id`, `transcript_path`, `cwd`,
 * `hook_event_name` and most `permission_mode`; inside a subagent, `agent_id` and `agent_type`
 * too. Events not listed here (InstructionsLoaded, Task*, TeammateIdle, ConfigChange, CwdChanged,
 * FileChanged, Worktree*, Elicitation*) have no canonical kind and are stored raw; WorktreeCreate
 * must never be hooked by myco, since its hook replaces git's worktree creation.
 */
import { Schema } from "effect"
import type { NormalizedEvent } from "../../domain/CanonicalEvent.js"
import { type AgentContract, defined, Json, makeNormalizer, type Reader, readSource, Str, toolOf } from "../Contract.js"

const Payload = Schema.Struct({
  session_id: Str,
  transcript_path: Str,
  cwd: Str,
  hook_event_name: Str,
  /** SessionStart: startup | resume | clear | compact. */
  source: Str,
  model: Str,
  /** UserPromptSubmit. */
  prompt: Str,
  /** PreToolUse, PermissionRequest, PostToolUse, PostToolUseFailure, PermissionDenied. */
  tool_name: Str,
  tool_input: Json,
  tool_response: Json,
  tool_use_id: Str,
  /** PostToolUseFailure: what went wrong; StopFailure: the error type (rate_limit, server_error...). */
  error: Str,
  /** SessionEnd: why it ended; PermissionDenied: the classifier's explanation. */
  reason: Str,
  /** Notification. */
  message: Str,
  notification_type: Str,
  /** SubagentStart, SubagentStop. */
  agent_id: Str,
  agent_type: Str,
  /** Stop, SubagentStop: the final response. */
  last_assistant_message: Str,
  /** PreCompact, PostCompact: manual | auto. */
  trigger: Str
})
type Payload = typeof Payload.Type

const tool = (r: Reader<Payload>, more: { readonly response?: boolean; readonly error?: "error" | "reason" } = {}) =>
  toolOf(r.need("tool_name"), () => ({
    input: r.take("tool_input"),
    ...defined({
      response: more.response === true ? r.take("tool_response") : undefined,
      error: more.error === undefined ? undefined : r.need(more.error),
      callId: r.take("tool_use_id")
    })
  }))

const contract: AgentContract<Payload, typeof Payload.Encoded> = {
  agent: "claude-code",
  schema: Payload,
  eventField: "hook_event_name",
  common: (r) => ({ sessionId: r.need("session_id"), cwd: r.take("cwd"), transcriptPath: r.take("transcript_path") }),
  events: {
    SessionStart: { kind: "session.start", map: (r) => ({ source: readSource(r, "source"), data: defined({ model: r.take("model") }) }) },
    UserPromptSubmit: { kind: "prompt", map: (r) => ({ data: defined({ prompt: r.need("prompt") }) }) },
    PreToolUse: { kind: "tool.request", map: (r) => ({ data: defined({ tool: tool(r) }) }) },
    // The permission dialog is waiting for the user: a notification about the pending tool call.
    PermissionRequest: { kind: "notification", map: (r) => ({ data: defined({ tool: tool(r) }) }) },
    PostToolUse: { kind: "tool.use", map: (r) => ({ data: defined({ tool: tool(r, { response: true }) }) }) },
    PostToolUseFailure: {
      kind: "tool.failure",
      map: (r) => {
        const failed = tool(r, { error: "error" })
        return { data: defined({ tool: failed, error: failed?.error }) }
      }
    },
    // Auto mode's classifier refused the call: the tool never ran.
    PermissionDenied: {
      kind: "tool.failure",
      map: (r) => {
        const denied = tool(r, { error: "reason" })
        return { data: defined({ tool: denied, error: denied?.error }) }
      }
    },
    Notification: {
      kind: "notification",
      map: (r) => ({ data: defined({ message: r.need("message"), reason: r.take("notification_type") }) })
    },
    SubagentStart: {
      kind: "subagent.start",
      map: (r) => ({ data: { subagent: defined({ id: r.need("agent_id"), type: r.take("agent_type") }) } })
    },
    SubagentStop: {
      kind: "subagent.stop",
      map: (r) => ({
        data: { subagent: defined({ id: r.need("agent_id"), type: r.take("agent_type"), response: r.take("last_assistant_message") }) }
      })
    },
    Stop: { kind: "turn.end", map: (r) => ({ data: defined({ response: r.take("last_assistant_message") }) }) },
    // The turn ended on an API error; `error_details` and the rendered error text stay in extra.
    StopFailure: { kind: "turn.failure", map: (r) => ({ data: defined({ error: r.need("error") }) }) },
    PreCompact: { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) },
    PostCompact: { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) },
    SessionEnd: { kind: "session.end", map: (r) => ({ data: defined({ reason: r.take("reason") }) }) }
  }
}

/** Normalises one Claude Code hook payload. */
export const normalizeClaudeCode: (eventName: string, payload: unknown) => NormalizedEvent = makeNormalizer(contract)

/** The Claude Code contract (its events are listed in AGENT_EVENTS). */
export const claudeCodeContract = contract
