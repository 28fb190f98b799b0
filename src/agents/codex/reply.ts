/**
 * What codex's hooks print on stdout, by event. Apart from the agent's record (index.ts) because the
 * hook binary bundles only this: the replies of every agent, and nothing of their contracts.
 */
/**
 * Codex (https://developers.openai.com/codex/hooks): exit 0 with no output is success, and plain
 * text from SessionStart, UserPromptSubmit or SubagentStart would be added to the model's context,
 * so nothing is printed; except that Stop and SubagentStop "expect JSON on stdout when [the hook]
 * exits 0", where an empty object lets the turn end. `notify` reads nothing.
 */
export const codexReply = (eventName: string): string => (eventName === "Stop" || eventName === "SubagentStop" ? "{}" : "")
