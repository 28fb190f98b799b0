/**
 * Claude Code: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print in reply.ts.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { claudeCodeContract, normalizeClaudeCode } from "./contract.js"
import { claudeCodeHooks } from "./hooks.js"
import { claudeCodeReply } from "./reply.js"

/** Claude Code. */
export const claudeCode = {
  name: "claude-code",
  title: "Claude Code",
  normalize: normalizeClaudeCode,
  events: eventsOf(claudeCodeContract),
  sessionIdFields: claudeCodeContract.sessionIdFields,
  reply: claudeCodeReply,
  hooks: claudeCodeHooks
} as const satisfies Agent<AgentHooks>
