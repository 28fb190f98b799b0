/**
 * Windsurf: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print in reply.ts.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { windsurfContract, normalizeWindsurf } from "./contract.js"
import { windsurfHooks } from "./hooks.js"
import { windsurfReply } from "./reply.js"

/** Windsurf. */
export const windsurf = {
  name: "windsurf",
  title: "Windsurf",
  normalize: normalizeWindsurf,
  events: eventsOf(windsurfContract),
  sessionIdFields: windsurfContract.sessionIdFields,
  reply: windsurfReply,
  hooks: windsurfHooks
} as const satisfies Agent<AgentHooks>
