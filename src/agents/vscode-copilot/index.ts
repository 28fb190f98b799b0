/**
 * VS Code Copilot: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print is below.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { vscodeCopilotContract, normalizeVscodeCopilot } from "./contract.js"
import { vscodeCopilotHooks } from "./hooks.js"

/**
 * VS Code and the Copilot CLI (https://code.visualstudio.com/docs/agents/reference/hooks-reference,
 * https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference): exit 0
 * parses stdout as JSON; an empty object keeps the default (`continue` true, no permission
 * decision, the normal approval flow).
 */
const reply = (_eventName: string): string => "{}"

/** VS Code Copilot. */
export const vscodeCopilot = {
  name: "vscode-copilot",
  title: "VS Code Copilot",
  normalize: normalizeVscodeCopilot,
  events: eventsOf(vscodeCopilotContract),
  sessionIdFields: vscodeCopilotContract.sessionIdFields,
  reply,
  hooks: vscodeCopilotHooks
} as const satisfies Agent<AgentHooks>
