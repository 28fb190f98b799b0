/**
 * What cursor's hooks print on stdout, by event. Apart from the agent's record (index.ts) because the
 * hook binary bundles only this: the replies of every agent, and nothing of their contracts.
 */
/**
 * Cursor (https://cursor.com/docs/hooks): hooks speak JSON in both directions, and a `before*` /
 * `pre*` hook answers with a permission. "allow" lets the call proceed as if no hook were installed
 * (Cursor's own approval rules still apply); `beforeSubmitPrompt` lets the prompt go with
 * `continue: true`. Every other event has only optional output fields: an empty object.
 */
export const cursorReply = (eventName: string): string => {
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
