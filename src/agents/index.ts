/**
 * The per-agent hook normalisers (seed procedure B): `normalize` maps one hook payload of a known
 * agent onto the canonical events of ../Normalized.ts, and `AGENT_EVENTS` lists, per agent, the
 * hook events each normaliser knows (for the docs, and for the installer's consistency test).
 */
import { Predicate } from "effect"
import type { CanonicalKind, NormalizedEvent } from "../domain/CanonicalEvent.js"
import { claudeCodeContract, normalizeClaudeCode } from "./claude-code/contract.js"
import { codexContract, normalizeCodex } from "./codex/contract.js"
import { cursorContract, normalizeCursor } from "./cursor/contract.js"
import { eventsOf } from "./Contract.js"
import { geminiCliContract, normalizeGeminiCli } from "./gemini-cli/contract.js"
import { normalizeVscodeCopilot, vscodeCopilotContract } from "./vscode-copilot/contract.js"
import { normalizeWindsurf, windsurfContract } from "./windsurf/contract.js"

const NORMALIZERS: Readonly<Record<string, (eventName: string, payload: unknown) => NormalizedEvent>> = {
  "claude-code": normalizeClaudeCode,
  codex: normalizeCodex,
  cursor: normalizeCursor,
  "gemini-cli": normalizeGeminiCli,
  "vscode-copilot": normalizeVscodeCopilot,
  windsurf: normalizeWindsurf
}

/** Per agent, every hook event its normaliser knows (as the agent spells it) and its canonical kind. */
export const AGENT_EVENTS: Readonly<Record<string, ReadonlyArray<{ readonly event: string; readonly kind: CanonicalKind }>>> = {
  "claude-code": eventsOf(claudeCodeContract),
  codex: eventsOf(codexContract),
  cursor: eventsOf(cursorContract),
  "gemini-cli": eventsOf(geminiCliContract),
  "vscode-copilot": eventsOf(vscodeCopilotContract),
  windsurf: eventsOf(windsurfContract)
}

/**
 * Normalises the payload of hook event `eventName` of `agent`. The agent is the one the hook was
 * installed for (`--agent`), never guessed from the payload. An agent myco does not know is
 * stored raw, with a warning. Never throws.
 */
export const normalize = (agent: string, eventName: string, payload: unknown): NormalizedEvent => {
  const normalizer = Object.hasOwn(NORMALIZERS, agent) ? NORMALIZERS[agent] : undefined
  if (normalizer !== undefined) return normalizer(eventName, payload)
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
