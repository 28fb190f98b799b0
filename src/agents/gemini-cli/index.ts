/**
 * Gemini CLI: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print is below.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { geminiCliContract, normalizeGeminiCli } from "./contract.js"
import { geminiCliHooks } from "./hooks.js"

/**
 * Gemini CLI (https://geminicli.com/docs/hooks/reference): on exit 0 stdout "is parsed as JSON" and
 * nothing else may be printed: an empty object, which decides nothing.
 */
const reply = (_eventName: string): string => "{}"

/** Gemini CLI. */
export const geminiCli = {
  name: "gemini-cli",
  title: "Gemini CLI",
  normalize: normalizeGeminiCli,
  events: eventsOf(geminiCliContract),
  sessionIdFields: geminiCliContract.sessionIdFields,
  reply,
  hooks: geminiCliHooks
} as const satisfies Agent<AgentHooks>
