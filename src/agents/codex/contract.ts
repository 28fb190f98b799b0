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
import type { NormalizedEvent } from "../../domain/CanonicalEvent.js"
import { type AgentContract, defined, makeNormalizer, readSource, Str, struct, type TypeOf } from "../Contract.js"
import { claudeStyleCommon, claudeStyleEvents, claudeStyleFields, claudeStyleTools } from "../shared/claudeStyle.js"

const Payload = struct({
  ...claudeStyleFields,
  /** notify. */
  type: Str,
  "thread-id": Str,
  "last-assistant-message": Str
})
type Payload = TypeOf<typeof Payload>

const contract: AgentContract<Payload> = {
  agent: "codex",
  schema: Payload,
  eventField: "hook_event_name",
  sessionIdFields: ["session_id", "thread-id"],
  // `notify` names the thread (Codex's session) `thread-id`; every hook names it `session_id`.
  common: (r, eventName) => ({
    ...(eventName === "notify" ? { sessionId: r.need("thread-id"), cwd: r.take("cwd"), transcriptPath: r.take("transcript_path") } : claudeStyleCommon(r, eventName)),
    data: defined({ model: r.take("model") })
  }),
  tools: claudeStyleTools,
  events: {
    // Claude Code's mappings (PostToolUse also runs after a Bash command that exits non-zero: the
    // exit status is in the response), with these differences:
    ...claudeStyleEvents,
    // A fork starts a new thread from another's history: a new session, not a resumed one.
    SessionStart: { kind: "session.start", map: (r) => ({ source: readSource(r, "source", { fork: "startup" }) }) },
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

/** The Codex contract. */
export const codexContract = contract
