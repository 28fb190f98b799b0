/**
 * The registry of the coding agents myco knows: one line per agent, each folder holding all myco
 * knows about it (see Agent.ts). Everything per agent derives from here: the names (the default
 * `agents.allowed`, the `--agent` choices), the normalisers, the events each knows, the
 * installers' specs, the hooks' replies and the session-id fields read from an input too large to
 * parse.
 *
 * Effect-free, so that the hook binary can bundle it.
 */
import { Predicate } from "./Contract.js"
import type { Agent } from "./Agent.js"
import { claudeCode } from "./claude-code/index.js"
import { codex } from "./codex/index.js"
import { cursor } from "./cursor/index.js"
import { geminiCli } from "./gemini-cli/index.js"
import type { AgentHooks } from "./HookSpec.js"
import { vscodeCopilot } from "./vscode-copilot/index.js"
import { windsurf } from "./windsurf/index.js"
import type { NormalizedEvent } from "../domain/CanonicalEvent.js"

/** Every agent by name, in the order they are listed to users: one line per agent. */
export const AGENTS = {
  "claude-code": claudeCode,
  codex,
  cursor,
  "gemini-cli": geminiCli,
  "vscode-copilot": vscodeCopilot,
  windsurf
} as const satisfies Readonly<Record<string, Agent<AgentHooks>>>

/** The name of an agent myco knows. */
export type AgentName = keyof typeof AGENTS

// Each agent is registered under its own name.
type Misregistered = { [N in AgentName]: (typeof AGENTS)[N]["name"] extends N ? never : N }[AgentName]
const registeredUnderOwnName: [Misregistered] extends [never] ? true : Misregistered = true

const REGISTRY: ReadonlyArray<Agent<AgentHooks>> = Object.values(AGENTS)
const BY_NAME: ReadonlyMap<string, Agent<AgentHooks>> = new Map(REGISTRY.map((agent) => [agent.name, agent]))

/** Whether `name` is an agent myco knows. */
export const isAgentName = (name: string): name is AgentName => BY_NAME.has(name) && registeredUnderOwnName

/** The agents' names, in order. */
export const AGENT_NAMES: ReadonlyArray<AgentName> = REGISTRY.map((agent) => agent.name).filter(isAgentName)

/** The agent named `name`, when myco knows it. */
export const agentNamed = (name: string): Agent<AgentHooks> | undefined => BY_NAME.get(name)

/** Per agent, every hook event its normaliser knows (as the agent spells it) and its canonical kind. */
export const AGENT_EVENTS: Readonly<Record<string, Agent["events"]>> = Object.fromEntries(REGISTRY.map((agent) => [agent.name, agent.events]))

/** Every field any agent carries its session id in (for inputs too large to parse). */
export const SESSION_ID_FIELDS: ReadonlyArray<string> = [...new Set(REGISTRY.flatMap((agent) => agent.sessionIdFields))]

/**
 * Normalises the payload of hook event `eventName` of `agent`. The agent is the one the hook was
 * installed for (`--agent`), never guessed from the payload. An agent myco does not know is
 * stored raw, with a warning. Never throws.
 */
export const normalize = (agent: string, eventName: string, payload: unknown): NormalizedEvent => {
  const known = agentNamed(agent)
  if (known !== undefined) return known.normalize(eventName, payload)
  return {
    kind: "unknown",
    agentSessionId: null,
    source: null,
    cwd: null,
    transcriptPath: null,
    data: {},
    extra: Predicate.isRecord(payload) ? { ...payload } : { payload },
    warnings: [`unknown agent "${agent}" (hook event "${eventName}"): stored raw`]
  }
}

/** What `myco-hook <eventName> --agent <agent>` prints on stdout (from replies.ts, which the hook bundles). */
export { replyFor } from "./replies.js"
