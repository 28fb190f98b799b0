/**
 * Claude Code: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print is below.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { claudeCodeContract, normalizeClaudeCode } from "./contract.js"
import { claudeCodeHooks } from "./hooks.js"

/**
 * Claude Code (https://code.claude.com/docs/en/hooks): exit 0 with no output allows; stdout of
 * SessionStart and UserPromptSubmit would become context. Nothing.
 */
const reply = (_eventName: string): string => ""

/** Claude Code. */
export const claudeCode = {
  name: "claude-code",
  title: "Claude Code",
  normalize: normalizeClaudeCode,
  events: eventsOf(claudeCodeContract),
  sessionIdFields: claudeCodeContract.sessionIdFields,
  reply,
  hooks: claudeCodeHooks
} as const satisfies Agent<AgentHooks>
