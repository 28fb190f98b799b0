/**
 * What claude-code's hooks print on stdout, by event. Apart from the agent's record (index.ts) because the
 * hook binary bundles only this: the replies of every agent, and nothing of their contracts.
 */
/**
 * Claude Code (https://code.claude.com/docs/en/hooks): exit 0 with no output allows; stdout of
 * SessionStart and UserPromptSubmit would become context. Nothing.
 */
export const claudeCodeReply = (_eventName: string): string => ""
