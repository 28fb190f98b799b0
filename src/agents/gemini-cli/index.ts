/**
 * Gemini CLI: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print in reply.ts.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { geminiCliContract, normalizeGeminiCli } from "./contract.js"
import { geminiCliHooks } from "./hooks.js"
import { geminiCliReply } from "./reply.js"

/** Gemini CLI. */
export const geminiCli = {
  name: "gemini-cli",
  title: "Gemini CLI",
  normalize: normalizeGeminiCli,
  events: eventsOf(geminiCliContract),
  sessionIdFields: geminiCliContract.sessionIdFields,
  reply: geminiCliReply,
  hooks: geminiCliHooks
} as const satisfies Agent<AgentHooks>
