/**
 * Cursor: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print in reply.ts.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { cursorContract, normalizeCursor } from "./contract.js"
import { cursorHooks } from "./hooks.js"
import { cursorReply } from "./reply.js"

/** Cursor. */
export const cursor = {
  name: "cursor",
  title: "Cursor",
  normalize: normalizeCursor,
  events: eventsOf(cursorContract),
  sessionIdFields: cursorContract.sessionIdFields,
  reply: cursorReply,
  hooks: cursorHooks
} as const satisfies Agent<AgentHooks>
