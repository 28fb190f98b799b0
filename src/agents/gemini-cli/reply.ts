/**
 * What gemini-cli's hooks print on stdout, by event. Apart from the agent's record (index.ts) because the
 * hook binary bundles only this: the replies of every agent, and nothing of their contracts.
 */
/**
 * Gemini CLI (https://geminicli.com/docs/hooks/reference): on exit 0 stdout "is parsed as JSON" and
 * nothing else may be printed: an empty object, which decides nothing.
 */
export const geminiCliReply = (_eventName: string): string => "{}"
