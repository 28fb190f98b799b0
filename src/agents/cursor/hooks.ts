/** How myco installs cursor's hooks (see ../HookSpec.ts). */
import { type AgentHooks, installedEvent, QUOTED_GUARD_PATH } from "../HookSpec.js"

/**
 * Cursor: `.cursor/hooks.json`, `{ version: 1, hooks: { event: [{ command }] } }`, read as strict
 * JSON. Project hooks run from the project root, so the guard's relative path (quoted all the same)
 * is enough. Cursor has no async flag.
 */
export const cursorHooks: AgentHooks = {
  agent: "cursor",
  title: "Cursor",
  configPath: ".cursor/hooks.json",
  format: "json",
  trailingCommas: false,
  layout: "flat",
  skeleton: { version: 1 },
  events: [
    installedEvent("sessionStart", false, "session start"),
    installedEvent("beforeSubmitPrompt", false, "prompts (the only prompt event is a before-hook)"),
    installedEvent("postToolUse", false, "tool uses with their results"),
    installedEvent("postToolUseFailure", false, "tool failures"),
    installedEvent("stop", false, "turn end, with its status (completed, aborted, error)"),
    installedEvent("subagentStart", false, "subagent start"),
    installedEvent("subagentStop", false, "subagent stop"),
    installedEvent("preCompact", false, "compaction"),
    installedEvent("sessionEnd", false, "session end, with its reason")
  ],
  command: (e) => `node ${QUOTED_GUARD_PATH} ${e.name} --agent cursor`,
  entry: (_e, command) => ({ command }),
  limitations: [
    "no async hooks: every hook is blocking (Cursor only ignores the output of observational ones)",
    "prompts are captured by beforeSubmitPrompt, which Cursor runs before sending the prompt",
    "some Cursor versions reject sessionStart as an unknown hook type"
  ],
  docs: ["https://cursor.com/docs/hooks"]
}
