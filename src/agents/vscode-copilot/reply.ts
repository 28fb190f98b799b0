/**
 * What vscode-copilot's hooks print on stdout, by event. Apart from the agent's record (index.ts) because the
 * hook binary bundles only this: the replies of every agent, and nothing of their contracts.
 */
/**
 * VS Code and the Copilot CLI (https://code.visualstudio.com/docs/agents/reference/hooks-reference,
 * https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference): exit 0
 * parses stdout as JSON; an empty object keeps the default (`continue` true, no permission
 * decision, the normal approval flow).
 */
export const vscodeCopilotReply = (_eventName: string): string => "{}"
