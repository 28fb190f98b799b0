/**
 * Windsurf: everything myco knows about it. Its payload contract and normaliser are in
 * contract.ts, its installer spec in hooks.ts; what its hooks print is below.
 */
import type { Agent } from "../Agent.js"
import { eventsOf } from "../Contract.js"
import type { AgentHooks } from "../HookSpec.js"
import { windsurfContract, normalizeWindsurf } from "./contract.js"
import { windsurfHooks } from "./hooks.js"

/**
 * Windsurf (https://docs.windsurf.com/windsurf/cascade/hooks): only the exit code counts; stdout is
 * shown in Cascade's UI when `show_output` is set. Nothing.
 */
const reply = (_eventName: string): string => ""

/** Windsurf. */
export const windsurf = {
  name: "windsurf",
  title: "Windsurf",
  normalize: normalizeWindsurf,
  events: eventsOf(windsurfContract),
  sessionIdFields: windsurfContract.sessionIdFields,
  reply,
  hooks: windsurfHooks
} as const satisfies Agent<AgentHooks>
