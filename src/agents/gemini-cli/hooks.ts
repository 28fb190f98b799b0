/** How myco installs gemini-cli's hooks (see ../HookSpec.ts). */
import { type AgentHooks, GUARD_PATH, HOOK_TIMEOUT_SECONDS, installedEvent, shellDoubleQuoted } from "../HookSpec.js"

/**
 * Gemini CLI: the `hooks` object of `.gemini/settings.json` (groups, like Claude Code's, with the
 * timeout in milliseconds), which Gemini reads as JSON with comments (comments stripped, then
 * `JSON.parse`: no trailing commas).
 *
 * Gemini runs a hook as `bash -c <command>` in the project, with `GEMINI_PROJECT_DIR` set in its
 * environment; before that it replaces the text `$GEMINI_PROJECT_DIR` in the command with the
 * project directory itself, shell-quoted in current versions but pasted raw in older ones (and
 * `$VAR`s are also resolved when the settings are loaded, raw, if Gemini's own environment has
 * them). So the command spells the variable `${GEMINI_PROJECT_DIR}`, which Gemini's replacement
 * does not match, inside double quotes: the shell expands it from the environment, as one word,
 * whatever the project path holds.
 */
export const geminiCliHooks: AgentHooks = {
  agent: "gemini-cli",
  title: "Gemini CLI",
  configPath: ".gemini/settings.json",
  format: "jsonc",
  trailingCommas: false,
  layout: "groups",
  skeleton: {},
  events: [
    installedEvent("SessionStart", false, "session start, with its source (startup, resume, clear)"),
    installedEvent("BeforeAgent", false, "prompts (the only prompt event is a before-hook)"),
    installedEvent("AfterTool", false, "tool uses with their responses, failures included"),
    installedEvent("AfterAgent", false, "turn end, with the answer"),
    installedEvent("PreCompress", false, "compaction"),
    installedEvent("SessionEnd", false, "session end, with its reason")
  ],
  command: (e) => `node "\${GEMINI_PROJECT_DIR}/${shellDoubleQuoted(GUARD_PATH)}" ${e.name} --agent gemini-cli`,
  entry: (e, command) => ({
    ...(e.matcher === undefined ? {} : { matcher: e.matcher }),
    hooks: [
      { name: "myco", type: "command", command, description: "myco session capture", timeout: HOOK_TIMEOUT_SECONDS * 1000 }
    ]
  }),
  limitations: [
    "no async flag: hooks are blocking, except that Gemini does not wait for PreCompress and SessionEnd",
    "no subagent events and no turn-failure event; a tool failure arrives in AfterTool's response",
    "project hooks run only in trusted folders"
  ],
  docs: ["https://geminicli.com/docs/hooks", "https://geminicli.com/docs/hooks/reference"]
}
