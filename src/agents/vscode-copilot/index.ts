/**
 * VS Code Copilot: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print in reply.ts.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { vscodeCopilotContract, normalizeVscodeCopilot } from "./contract.js"
import { vscodeCopilotHooks } from "./hooks.js"
import { vscodeCopilotReply } from "./reply.js"

/** VS Code Copilot. */
export const vscodeCopilot = {
  name: "vscode-copilot",
  title: "VS Code Copilot",
  normalize: normalizeVscodeCopilot,
  events: eventsOf(vscodeCopilotContract),
  sessionIdFields: vscodeCopilotContract.sessionIdFields,
  reply: vscodeCopilotReply,
  hooks: vscodeCopilotHooks
} as const satisfies Agent<AgentHooks>
