/**
 * Cursor: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print is below.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { cursorContract, normalizeCursor } from "./contract.js"
import { cursorHooks } from "./hooks.js"

/**
 * Cursor (https://cursor.com/docs/hooks): hooks speak JSON in both directions, and a `before*` /
 * `pre*` hook answers with a permission. "allow" lets the call proceed as if no hook were installed
 * (Cursor's own approval rules still apply); `beforeSubmitPrompt` lets the prompt go with
 * `continue: true`. Every other event has only optional output fields: an empty object.
 */
const reply = (eventName: string): string => {
  switch (eventName) {
    case "preToolUse":
    case "beforeShellExecution":
    case "beforeMCPExecution":
    case "beforeReadFile":
    case "beforeTabFileRead":
    // "ask" is treated as "deny" here: only "allow" lets the subagent start.
    case "subagentStart":
      return '{"permission":"allow"}'
    case "beforeSubmitPrompt":
      return '{"continue":true}'
    default:
      return "{}"
  }
}

/** Cursor. */
export const cursor = {
  name: "cursor",
  title: "Cursor",
  normalize: normalizeCursor,
  events: eventsOf(cursorContract),
  sessionIdFields: cursorContract.sessionIdFields,
  reply,
  hooks: cursorHooks
} as const satisfies Agent<AgentHooks>
