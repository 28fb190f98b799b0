/**
 * From a delivered hook event to what is stored: the agent's payload is normalised (agents/),
 * its session id mapped to a myco session id, and the payload to store assembled. Pure: the
 * session actor applies the lifecycle (create, reopen on resume, complete on session end) and the
 * capture boundary, which depend on the stored session.
 */
import { createHash } from "node:crypto"
import { Schema } from "effect"
import { CapturedEvent, EventKind, UnattributedEvent } from "../domain/Event.js"
import { type AgentName, SESSION_ID_MAX_LENGTH, SessionId } from "../domain/Ids.js"
import type { HookEvent } from "../protocol/Protocol.js"
import { normalize, SESSION_ID_FIELDS } from "../agents/index.js"
import type { CanonicalKind, NormalizedEvent, SessionSource } from "../domain/CanonicalEvent.js"

/** A hook event that belongs to a session, ready for its session actor. */
export interface SessionHookEvent {
  readonly _tag: "Session"
  readonly agent: AgentName
  /** The agent's name of the hook event. */
  readonly hookEvent: string
  readonly kind: CanonicalKind
  readonly source: SessionSource | null
  /** What the session is created with, when this event is its first. */
  readonly metadata: { readonly cwd: string | null; readonly transcriptPath: string | null }
  /** The event to store; the capture boundary is applied to its payload before storing. */
  readonly event: CapturedEvent
  readonly warnings: ReadonlyArray<string>
}

/** A hook event that names no session: stored apart (see EventStore.appendUnattributed). */
export interface UnattributedHookEvent {
  readonly _tag: "Unattributed"
  readonly kind: CanonicalKind
  readonly event: UnattributedEvent
  readonly warnings: ReadonlyArray<string>
}

const isSessionId = Schema.is(SessionId)

/**
 * The myco session id of an agent's session: the agent's own id when it is a valid session id
 * (Claude Code, Cursor, Gemini and most others use UUIDs), else a stable digest of it, so that
 * every event of one agent session lands in one myco session.
 */
export const sessionIdFor = (agent: string, agentSessionId: string): SessionId => {
  if (isSessionId(agentSessionId)) return agentSessionId
  const digest = createHash("sha256").update(`${agent}\0${agentSessionId}`).digest("hex").slice(0, 40)
  return SessionId.make(`${agent}-${digest}`.slice(0, SESSION_ID_MAX_LENGTH))
}

/** The payload stored for a hook event: what the normaliser found, and how the input looked. */
const storedPayload = (hook: HookEvent, normalized: NormalizedEvent, sessionId: SessionId | null): Record<string, unknown> => ({
  agent: hook.agent,
  event: hook.event,
  ...(normalized.source === null ? {} : { source: normalized.source }),
  ...(normalized.agentSessionId !== null && normalized.agentSessionId !== sessionId ? { agentSessionId: normalized.agentSessionId } : {}),
  cwd: normalized.cwd ?? hook.cwd,
  data: normalized.data,
  extra: normalized.extra,
  ...(normalized.warnings.length === 0 ? {} : { warnings: normalized.warnings }),
  ...(hook.input.status === "ok" ? {} : { input: hook.input })
})

const eventKind = Schema.decodeSync(EventKind)

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The session id fields agents put first in their payloads (each agent declares its own). */
const SESSION_ID_IN_HEAD = new RegExp(`"(?:${SESSION_ID_FIELDS.map(escapeRegExp).join("|")})"\\s*:\\s*"([^"\\\\]{1,512})"`)

/**
 * What can be said of an input the hook could not parse (over its size cap, cut short): when its
 * beginning names the session, the event still belongs to it, with its kind from the event name
 * and its content reduced to what the hook kept.
 */
const fromHead = (hook: HookEvent): NormalizedEvent | undefined => {
  const agentSessionId = hook.input.head === undefined ? undefined : SESSION_ID_IN_HEAD.exec(hook.input.head)?.[1]
  if (agentSessionId === undefined) return undefined
  const { kind } = normalize(hook.agent, hook.event, {})
  return {
    kind,
    agentSessionId,
    source: null,
    cwd: null,
    transcriptPath: null,
    data: {},
    extra: {},
    warnings: [`the payload could not be read whole (${hook.input.status}, ${hook.input.bytes} bytes): only its beginning is kept, under input.head`]
  }
}

/** Normalises a delivered hook event and says where it goes. */
export const prepareHookEvent = (hook: HookEvent): SessionHookEvent | UnattributedHookEvent => {
  const normalized = (hook.payload === null ? fromHead(hook) : undefined) ?? normalize(hook.agent, hook.event, hook.payload)
  const warnings = [...normalized.warnings]
  if (hook.input.status !== "ok") warnings.push(`hook input ${hook.input.status} (${hook.input.bytes} bytes)`)
  if (normalized.agentSessionId === null || normalized.agentSessionId === "") {
    const reason =
      hook.input.status !== "ok" ? `hook input ${hook.input.status} (${hook.input.bytes} bytes, ${hook.input.from})` : "the payload names no session"
    return {
      _tag: "Unattributed",
      kind: normalized.kind,
      warnings,
      event: new UnattributedEvent({
        idempotencyId: hook.idempotencyId,
        agent: hook.agent,
        event: hook.event,
        at: hook.at,
        reason,
        payload: storedPayload(hook, normalized, null)
      })
    }
  }
  const sessionId = sessionIdFor(hook.agent, normalized.agentSessionId)
  return {
    _tag: "Session",
    agent: hook.agent,
    hookEvent: hook.event,
    kind: normalized.kind,
    source: normalized.source,
    metadata: { cwd: normalized.cwd ?? hook.cwd, transcriptPath: normalized.transcriptPath },
    warnings,
    event: new CapturedEvent({
      idempotencyId: hook.idempotencyId,
      sessionId,
      kind: eventKind(normalized.kind),
      at: hook.at,
      payload: storedPayload(hook, normalized, sessionId)
    })
  }
}
