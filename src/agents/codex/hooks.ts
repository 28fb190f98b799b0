/** How myco installs codex's hooks (see ../HookSpec.ts). */
import { type AgentHooks, GUARD_PATH, HOOK_TIMEOUT_SECONDS, installedEvent, shellDoubleQuoted } from "../HookSpec.js"

/**
 * Codex CLI: `.codex/hooks.json` (strict JSON, read by serde: no comments, no trailing commas; the
 * same event/group/handler shape as Claude Code's). Hooks run through `$SHELL -lc` in the
 * session's working directory, and Codex gives them no project directory, so the command finds
 * the project from the git work tree (or the working directory when there is none), the whole
 * path inside one pair of double quotes (a command substitution's output is not split there). Stable Codex drops `async` hooks with a warning, so every hook is
 * blocking; Codex caps SessionEnd hooks at 3 s.
 */
export const codexHooks: AgentHooks = {
  agent: "codex",
  title: "Codex CLI",
  configPath: ".codex/hooks.json",
  format: "json",
  trailingCommas: false,
  layout: "groups",
  skeleton: {},
  events: [
    installedEvent("SessionStart", false, "session start, with its source (startup, resume, clear)"),
    installedEvent("UserPromptSubmit", false, "prompts"),
    installedEvent("PostToolUse", false, "tool uses with their responses (a failure is a response)"),
    installedEvent("Stop", false, "turn end, with the last answer"),
    installedEvent("StopFailure", false, "turn failure"),
    installedEvent("SubagentStart", false, "subagent start"),
    installedEvent("SubagentStop", false, "subagent stop"),
    installedEvent("PreCompact", false, "compaction"),
    installedEvent("SessionEnd", false, "session end")
  ],
  command: (e, context) => {
    const inProject = context.projectInGit === null || context.projectInGit === "" ? "" : `${context.projectInGit}/`
    return `node "$(git rev-parse --show-toplevel 2>/dev/null || pwd)/${shellDoubleQuoted(inProject)}${GUARD_PATH}" ${e.name} --agent codex`
  },
  entry: (e, command) => ({
    ...(e.matcher === undefined ? {} : { matcher: e.matcher }),
    hooks: [{ type: "command", command, timeout: e.name === "SessionEnd" ? 3 : HOOK_TIMEOUT_SECONDS }]
  }),
  limitations: [
    "no async hooks on stable Codex (it skips them): every hook is blocking, bounded by its timeout",
    "no separate tool-failure event: a failed tool arrives as a PostToolUse response",
    "project hooks run only once the project is trusted and each hook is reviewed in Codex (`/hooks`)",
    "hooks need Codex's hooks feature (on by default in current Codex; `[features] hooks = true` in older ones)"
  ],
  docs: ["https://developers.openai.com/codex/hooks", "https://developers.openai.com/codex/config-advanced"]
}
