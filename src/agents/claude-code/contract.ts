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
import type { NormalizedEvent } from "../../domain/CanonicalEvent.js"
import { type AgentContract, defined, makeNormalizer, type Reader, readSource, Str, struct, toolOf, type TypeOf } from "../Contract.js"
import { claudeStyleCommon, claudeStyleEvents, claudeStyleFields, claudeStyleTools } from "../shared/claudeStyle.js"

const Payload = struct({
  ...claudeStyleFields,
  /** Notification. */
  message: Str,
  notification_type: Str
})
type Payload = TypeOf<typeof Payload>

/** A tool whose run failed: PostToolUseFailure (`error`), PermissionDenied (the classifier's `reason`). */
const failedTool = (r: Reader<Payload>, field: "error" | "reason") =>
  toolOf(r.need("tool_name"), () => ({ input: r.take("tool_input"), ...defined({ error: r.need(field), callId: r.take("tool_use_id") }) }))

const contract: AgentContract<Payload> = {
  agent: "claude-code",
  schema: Payload,
  eventField: "hook_event_name",
  sessionIdFields: ["session_id"],
  common: claudeStyleCommon,
  tools: claudeStyleTools,
  events: {
    ...claudeStyleEvents,
    SessionStart: { kind: "session.start", map: (r) => ({ source: readSource(r, "source"), data: defined({ model: r.take("model") }) }) },
    PostToolUseFailure: {
      kind: "tool.failure",
      map: (r) => {
        const failed = failedTool(r, "error")
        return { data: defined({ tool: failed, error: failed?.error }) }
      }
    },
    // Auto mode's classifier refused the call: the tool never ran.
    PermissionDenied: {
      kind: "tool.failure",
      map: (r) => {
        const denied = failedTool(r, "reason")
        return { data: defined({ tool: denied, error: denied?.error }) }
      }
    },
    Notification: {
      kind: "notification",
      map: (r) => ({ data: defined({ message: r.need("message"), reason: r.take("notification_type") }) })
    }
  }
}

/** Normalises one Claude Code hook payload. */
export const normalizeClaudeCode: (eventName: string, payload: unknown) => NormalizedEvent = makeNormalizer(contract)

/** The Claude Code contract. */
export const claudeCodeContract = contract
