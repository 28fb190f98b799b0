/** How myco installs windsurf's hooks (see ../HookSpec.ts). */
import { type AgentHooks, installedEvent, QUOTED_GUARD_PATH } from "../HookSpec.js"

/**
 * Windsurf (Cascade): `.windsurf/hooks.json`, `{ hooks: { event: [{ command }] } }`, read as strict
 * JSON; hooks run from the workspace root (so the guard's relative path, quoted, is enough). Cascade has no session or subagent events and no async flag; its trajectory id
 * stands for the session.
 */
export const windsurfHooks: AgentHooks = {
  agent: "windsurf",
  title: "Windsurf",
  configPath: ".windsurf/hooks.json",
  format: "json",
  trailingCommas: false,
  layout: "flat",
  skeleton: {},
  events: [
    installedEvent("pre_user_prompt", false, "prompts (the only prompt event is a before-hook)"),
    installedEvent("post_run_command", false, "shell commands with their output"),
    installedEvent("post_write_code", false, "file edits"),
    installedEvent("post_mcp_tool_use", false, "MCP tool uses with their results"),
    installedEvent("post_cascade_response", false, "turn end, with the response")
  ],
  command: (e) => `node ${QUOTED_GUARD_PATH} ${e.name} --agent windsurf`,
  entry: (_e, command) => ({ command }),
  limitations: [
    "no async hooks: every hook is blocking",
    "no session start/end, subagent, compaction or failure events: sessions start with their first event and end by myco's idle timeout",
    "file reads (post_read_code) are not captured: they fire on every read and would each block Cascade"
  ],
  docs: ["https://docs.windsurf.com/windsurf/cascade/hooks"]
}
