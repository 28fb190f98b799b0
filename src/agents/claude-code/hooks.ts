/** How myco installs claude-code's hooks (see ../HookSpec.ts). */
import { type AgentHooks, GUARD_PATH, HOOK_TIMEOUT_SECONDS, installedEvent, shellDoubleQuoted } from "../HookSpec.js"

/**
 * Claude Code: `.claude/settings.json` (the shared project settings), which Claude Code reads with
 * `//` comments tolerated (not trailing commas). Hooks run through the shell with
 * `$CLAUDE_PROJECT_DIR` in their environment, set to the project: the shell expands it, inside
 * the double quotes that keep a project path with spaces or quotes in one word. Claude Code kills the async hooks still running
 * when it exits (and may not start an async hook fired just before it exits, in `-p` runs): an
 * event whose hook is cut off that way is lost. So the events that fire once per turn or session,
 * close to an exit (SessionStart, UserPromptSubmit, Stop, StopFailure, SessionEnd), are installed
 * blocking: one hook (tens of ms) per turn, against a turn's seconds. The frequent mid-turn events
 * (tool uses, subagents, compaction) are `async`, so tool calls never wait for myco; the model
 * still has to answer after a tool's result, which leaves its hook time to finish.
 */
export const claudeCodeHooks: AgentHooks = {
  agent: "claude-code",
  title: "Claude Code",
  configPath: ".claude/settings.json",
  format: "jsonc",
  trailingCommas: false,
  layout: "groups",
  skeleton: {},
  events: [
    installedEvent("SessionStart", false, "session start, with its source (startup, resume, clear, compact)"),
    installedEvent("UserPromptSubmit", false, "prompts"),
    installedEvent("PostToolUse", true, "tool uses with their responses"),
    installedEvent("PostToolUseFailure", true, "tool failures"),
    installedEvent("Stop", false, "turn end, with the last answer"),
    installedEvent("StopFailure", false, "turn failure (API error)"),
    installedEvent("SubagentStart", true, "subagent start"),
    installedEvent("SubagentStop", true, "subagent stop"),
    installedEvent("PreCompact", true, "compaction (manual or auto)"),
    installedEvent("SessionEnd", false, "session end, with its reason")
  ],
  command: (e) => `node "$CLAUDE_PROJECT_DIR/${shellDoubleQuoted(GUARD_PATH)}" ${e.name} --agent claude-code`,
  entry: (e, command) => ({
    ...(e.matcher === undefined ? {} : { matcher: e.matcher }),
    hooks: [{ type: "command", command, ...(e.async ? { async: true } : {}), timeout: HOOK_TIMEOUT_SECONDS }]
  }),
  limitations: [
    "Claude Code kills async hooks still running when it exits: session start, prompts, turn ends and session end are installed blocking (one hook per turn, bounded by a 10 s timeout) so that the last turn is not lost",
    "tool uses, subagents and compaction are async: they run concurrently, so they can reach myco slightly out of order (shown in the order the hooks started)"
  ],
  docs: ["https://code.claude.com/docs/en/hooks", "https://code.claude.com/docs/en/settings"]
}
