/**
 * Codex CLI: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print is below.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { codexContract, normalizeCodex } from "./contract.js"
import { codexHooks } from "./hooks.js"

/**
 * Codex (https://developers.openai.com/codex/hooks): exit 0 with no output is success, and plain
 * text from SessionStart, UserPromptSubmit or SubagentStart would be added to the model's context,
 * so nothing is printed; except that Stop and SubagentStop "expect JSON on stdout when [the hook]
 * exits 0", where an empty object lets the turn end. `notify` reads nothing.
 */
const reply = (eventName: string): string => (eventName === "Stop" || eventName === "SubagentStop" ? "{}" : "")

/** Codex CLI. */
export const codex = {
  name: "codex",
  title: "Codex CLI",
  normalize: normalizeCodex,
  events: eventsOf(codexContract),
  sessionIdFields: codexContract.sessionIdFields,
  reply,
  hooks: codexHooks
} as const satisfies Agent<AgentHooks>
