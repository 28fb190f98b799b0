/**
 * Codex CLI: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print in reply.ts.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { codexContract, normalizeCodex } from "./contract.js"
import { codexHooks } from "./hooks.js"
import { codexReply } from "./reply.js"

/** Codex CLI. */
export const codex = {
  name: "codex",
  title: "Codex CLI",
  normalize: normalizeCodex,
  events: eventsOf(codexContract),
  sessionIdFields: codexContract.sessionIdFields,
  reply: codexReply,
  hooks: codexHooks
} as const satisfies Agent<AgentHooks>
