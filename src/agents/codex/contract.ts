/**
 * Codex's hook payloads, normalised.
 *
 * Contracts:
 * - lifecycle hooks (`hooks.json` / `[hooks]` in config.toml): https://developers.openai.com/codex/hooks
 *   and the generated input schemas in https://github.com/openai/codex/tree/main/codex-rs/hooks/schema/generated
 *   (`*.command.input.schema.json`). They follow Claude Code's shape: `session_id` (the thread id;
 *   subagent hooks carry the parent's), `transcript_path` (string or null), `cwd`,
 *   `hook_event_name`, `model`, and `turn_id` / `permission_mode` on turn-scoped events.
 *   StopFailure and SessionEnd are in the main-branch schemas and not in every release (0.144
 *   never fires SessionEnd); Interrupt, also there, is not mapped until its payload is documented.
 * - the `notify` program (config.toml `notify = [...]`, https://github.com/openai/codex/blob/main/docs/config.md#notify),
 *   run after each turn with one JSON argument appended (codex-rs `UserNotification`): `type`
 *   ("agent-turn-complete"), `thread-id`, `turn-id`, `cwd`, `client`, `input-messages`,
 *   `last-assistant-message`. Its event name is the config key: `myco-hook notify --agent codex`.
 */
import { Schema } from "effect"
import type { NormalizedEvent } from "../../domain/CanonicalEvent.js"
import { type AgentContract, defined, Json, makeNormalizer, type Reader, readSource, Str, toolOf } from "../Contract.js"

const Payload = Schema.Struct({
  session_id: Str,
  transcript_path: Str,
  cwd: Str,
  hook_event_name: Str,
  model: Str,
  /** SessionStart: startup | resume | clear | compact (and fork, on main). */
  source: Str,
  /** SessionEnd: "other" (the only value Codex sends). */
  reason: Str,
  /** UserPromptSubmit. */
  prompt: Str,
  /** PreToolUse, PermissionRequest, PostToolUse (Bash, apply_patch and MCP tools). */
  tool_name: Str,
  tool_input: Json,
  tool_response: Json,
  tool_use_id: Str,
  /** SubagentStart, SubagentStop. */
  agent_id: Str,
  agent_type: Str,
  /** Stop, SubagentStop, StopFailure. */
  last_assistant_message: Str,
  /** StopFailure: rate_limit | overloaded | authentication_failed | ... */
  error: Str,
  /** PreCompact, PostCompact: manual | auto. */
  trigger: Str,
  /** notify. */
  type: Str,
  "thread-id": Str,
  "last-assistant-message": Str
})
type Payload = typeof Payload.Type

const tool = (r: Reader<Payload>, response: boolean) =>
  toolOf(r.need("tool_name"), () => ({
    input: r.take("tool_input"),
    ...defined({ response: response ? r.take("tool_response") : undefined, callId: r.take("tool_use_id") })
  }))

const contract: AgentContract<Payload, typeof Payload.Encoded> = {
  agent: "codex",
  schema: Payload,
  eventField: "hook_event_name",
  // `notify` names the thread (Codex's session) `thread-id`; every hook names it `session_id`.
  common: (r, eventName) => ({
    sessionId: eventName === "notify" ? r.need("thread-id") : r.need("session_id"),
    cwd: r.take("cwd"),
    transcriptPath: r.take("transcript_path"),
    data: defined({ model: r.take("model") })
  }),
  events: {
    // A fork starts a new thread from another's history: a new session, not a resumed one.
    SessionStart: { kind: "session.start", map: (r) => ({ source: readSource(r, "source", { fork: "startup" }) }) },
    UserPromptSubmit: { kind: "prompt", map: (r) => ({ data: defined({ prompt: r.need("prompt") }) }) },
    PreToolUse: { kind: "tool.request", map: (r) => ({ data: defined({ tool: tool(r, false) }) }) },
    // Codex is about to ask the user for approval: a notification about the pending call.
    PermissionRequest: { kind: "notification", map: (r) => ({ data: defined({ tool: tool(r, false) }) }) },
    // Also runs after a Bash command that exits non-zero: the exit status is in the response.
    PostToolUse: { kind: "tool.use", map: (r) => ({ data: defined({ tool: tool(r, true) }) }) },
    PreCompact: { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) },
    PostCompact: { kind: "compaction", map: (r) => ({ data: defined({ reason: r.take("trigger") }) }) },
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
    StopFailure: { kind: "turn.failure", map: (r) => ({ data: defined({ error: r.need("error") }) }) },
    SessionEnd: { kind: "session.end", map: (r) => ({ data: defined({ reason: r.take("reason") }) }) },
    notify: {
      kind: "turn.end",
      map: (r) => {
        const type = r.expect("type")
        // Only a finished turn is documented; any other notification is kept as one.
        if (type !== undefined && type !== "agent-turn-complete") return { kind: "notification", data: { reason: type } }
        return { data: defined({ response: r.take("last-assistant-message") }) }
      }
    }
  }
}

/** Normalises one Codex hook payload (or the JSON argument of its `notify` program). */
export const normalizeCodex: (eventName: string, payload: unknown) => NormalizedEvent = makeNormalizer(contract)

/** The Codex contract (its events are listed in AGENT_EVENTS). */
export const codexContract = contract
