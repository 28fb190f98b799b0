/**
 * What `myco-hook` prints on stdout for a hook event: exactly what the agent expects from a hook
 * that has no opinion, so that it never blocks, delays or changes what the agent does. myco only
 * records; it never allows, denies, adds context or asks for another turn.
 *
 * This module imports nothing: it is bundled into the hook binary, which runs on the agent's
 * critical path for every event.
 */

/**
 * Cursor (https://cursor.com/docs/hooks): hooks speak JSON in both directions, and a `before*` /
 * `pre*` hook answers with a permission. "allow" lets the call proceed as if no hook were
 * installed (Cursor's own approval rules still apply); `beforeSubmitPrompt` lets the prompt go
 * with `continue: true`. Every other event has only optional output fields: an empty object.
 */
const cursorReply = (eventName: string): string => {
  switch (eventName) {
    case "preToolUse":
    case "beforeShellExecution":
    case "beforeMCPExecution":
    case "beforeReadFile":
    case "beforeTabFileRead":
    // "ask" is treated as "deny" here: only "allow" lets the subagent start.
    case "subagentStart":
      return '{"permission":"allow"}'
    case "beforeSubmitPrompt":
      return '{"continue":true}'
    default:
      return "{}"
  }
}

/**
 * Codex (https://developers.openai.com/codex/hooks): exit 0 with no output is success, and plain
 * text from SessionStart, UserPromptSubmit or SubagentStart would be added to the model's
 * context, so nothing is printed; except that Stop and SubagentStop "expect JSON on stdout when
 * [the hook] exits 0", where an empty object lets the turn end. `notify` reads nothing.
 */
const codexReply = (eventName: string): string => (eventName === "Stop" || eventName === "SubagentStop" ? "{}" : "")

/**
 * The reply `myco-hook <eventName> --agent <agent>` prints ('' for nothing). Never throws.
 *
 * - Claude Code (https://code.claude.com/docs/en/hooks): exit 0 with no output allows; stdout of
 *   SessionStart and UserPromptSubmit would become context. Nothing.
 * - Windsurf (https://docs.windsurf.com/windsurf/cascade/hooks): only the exit code counts;
 *   stdout is shown in Cascade's UI when `show_output` is set. Nothing.
 * - Gemini CLI (https://geminicli.com/docs/hooks/reference): on exit 0 stdout "is parsed as JSON"
 *   and nothing else may be printed: an empty object, which decides nothing.
 * - VS Code and the Copilot CLI (https://code.visualstudio.com/docs/agents/reference/hooks-reference,
 *   https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference): exit
 *   0 parses stdout as JSON; an empty object keeps the default (`continue` true, no permission
 *   decision, the normal approval flow).
 * - An agent myco does not know: nothing, what every agent accepts from a successful hook.
 */
export const replyFor = (agent: string, eventName: string): string => {
  switch (agent) {
    case "cursor":
      return cursorReply(eventName)
    case "codex":
      return codexReply(eventName)
    case "gemini-cli":
    case "vscode-copilot":
      return "{}"
    default:
      return ""
  }
}
