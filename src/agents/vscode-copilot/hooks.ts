/** How myco installs vscode-copilot's hooks (see ../HookSpec.ts). */
import { type AgentHooks, HOOK_TIMEOUT_SECONDS, installedEvent, QUOTED_GUARD_PATH } from "../HookSpec.js"

/**
 * VS Code (Copilot agent mode): a file of myco's own in `.github/hooks/`, where VS Code loads every
 * `*.json` with its JSONC parser (comments and trailing commas are fine); handlers directly under
 * each event, timeout in seconds. Hooks run in the workspace folder, so the guard's relative path
 * (quoted all the same) is enough. No async flag.
 */
export const vscodeCopilotHooks: AgentHooks = {
  agent: "vscode-copilot",
  title: "VS Code Copilot",
  configPath: ".github/hooks/myco.json",
  format: "jsonc",
  trailingCommas: true,
  layout: "flat",
  skeleton: {},
  events: [
    installedEvent("SessionStart", false, "session start"),
    installedEvent("UserPromptSubmit", false, "prompts"),
    installedEvent("PostToolUse", false, "tool uses with their responses"),
    installedEvent("Stop", false, "turn end"),
    installedEvent("SubagentStart", false, "subagent start"),
    installedEvent("SubagentStop", false, "subagent stop"),
    installedEvent("PreCompact", false, "compaction")
  ],
  command: (e) => `node ${QUOTED_GUARD_PATH} ${e.name} --agent vscode-copilot`,
  entry: (_e, command) => ({ type: "command", command, timeout: HOOK_TIMEOUT_SECONDS }),
  limitations: [
    "no async hooks: every hook is blocking, bounded by its timeout",
    "no session-end, tool-failure or turn-failure events: sessions end by myco's idle timeout"
  ],
  docs: [
    "https://code.visualstudio.com/docs/agent-customization/hooks",
    "https://code.visualstudio.com/docs/agents/reference/hooks-reference"
  ]
}
