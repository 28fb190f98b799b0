/**
 * The vault database's rows as the read path takes them: each row is checked against what the full
 * CLI's store decodes it with (store/sqlite/SessionStore.ts and EventStore.ts, with the domain's
 * schemas), and turned into the fields lean/Documents.ts builds its documents from. A row that
 * would not decode there (a database changed behind myco's back) is not taken here either: the
 * full CLI reports it as the corrupt database it is. The checks may be stricter than the schemas,
 * never looser; test/read/Rows.test.ts holds them to the schemas on generated rows.
 */
import {
  type EventFields,
  SESSION_STATUSES,
  type SessionFields,
  type SessionStatusName,
  TRANSITION_COMMANDS,
  type TransitionFields
} from "../lean/Documents.js"
import { AGENT_NAME_PATTERN, EVENT_KIND_PATTERN, IDEMPOTENCY_ID_PATTERN, isSessionId, UUID_PATTERN } from "../lean/Names.js"

/** A row as better-sqlite3 returns it. */
type Row = { readonly [column: string]: unknown }

const isRow = (u: unknown): u is Row => typeof u === "object" && u !== null && !Array.isArray(u)
const isText = (u: unknown): u is string => typeof u === "string"
const isTextOrNull = (u: unknown): u is string | null => u === null || typeof u === "string"
const isInt = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u)
const isCount = (u: unknown): u is number => isInt(u) && u >= 0
/** Epoch milliseconds that make a valid instant (the range of `Date`). */
const isInstant = (u: unknown): u is number => isInt(u) && Math.abs(u) <= 8.64e15
const isInstantOrNull = (u: unknown): u is number | null => u === null || isInstant(u)
const isStatus = (u: unknown): u is SessionStatusName => SESSION_STATUSES.some((s) => s === u)
const isSessionIdText = (u: unknown): u is string => isText(u) && isSessionId(u)
const isUuid = (u: unknown): u is string => isText(u) && UUID_PATTERN.test(u)

type Capabilities = SessionFields["capabilities"]
type Boundary = SessionFields["boundary"]

const capabilitiesOf = (u: unknown): Capabilities | undefined =>
  isRow(u) && typeof u["capture"] === "boolean" && typeof u["intelligence"] === "boolean"
    ? { capture: u["capture"], intelligence: u["intelligence"] }
    : undefined

const boundaryOf = (u: unknown): Boundary | undefined => {
  if (!isRow(u)) return undefined
  const { root, outsideScope, excludePaths, redactSecrets, maxFieldBytes, maxEventBytes } = u
  if (!isText(root) || (outsideScope !== "record" && outsideScope !== "drop")) return undefined
  if (!Array.isArray(excludePaths) || !excludePaths.every(isText)) return undefined
  if (typeof redactSecrets !== "boolean" || !isInt(maxFieldBytes) || !isInt(maxEventBytes)) return undefined
  return { root, outsideScope, excludePaths, redactSecrets, maxFieldBytes, maxEventBytes }
}

/**
 * Reads the JSON columns of session rows, remembering the last few distinct texts: nearly every
 * session of a vault carries the same capabilities and boundary.
 */
export const jsonColumnReader = <A>(read: (parsed: unknown) => A | undefined): ((text: unknown) => A | undefined) => {
  const cache = new Map<string, A>()
  return (text) => {
    if (!isText(text)) return undefined
    const hit = cache.get(text)
    if (hit !== undefined) return hit
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return undefined
    }
    const value = read(parsed)
    if (value !== undefined) {
      if (cache.size >= 16) cache.clear()
      cache.set(text, value)
    }
    return value
  }
}

/** Reads `sessions` rows; one reader per query, so that its JSON cache stays small. */
export const sessionRowReader = (): ((u: unknown) => SessionFields | undefined) => {
  const capabilities = jsonColumnReader(capabilitiesOf)
  const boundary = jsonColumnReader(boundaryOf)
  return (u) => {
    if (!isRow(u)) return undefined
    const { id, project_id, machine_id, agent, status, version, parent_id } = u
    if (!isSessionIdText(id) || !isUuid(project_id) || !isUuid(machine_id) || !isText(agent) || !AGENT_NAME_PATTERN.test(agent)) return undefined
    if (!isStatus(status) || !isInt(version) || !(parent_id === null || isSessionIdText(parent_id))) return undefined
    const { created_at, updated_at, completed_at, processed_at, archived_at } = u
    if (!isInstant(created_at) || !isInstant(updated_at)) return undefined
    if (!isInstantOrNull(completed_at) || !isInstantOrNull(processed_at) || !isInstantOrNull(archived_at)) return undefined
    const caps = capabilities(u["capabilities"])
    const bounds = boundary(u["boundary"])
    if (caps === undefined || bounds === undefined) return undefined
    const { cwd, branch, transcript_path, title, event_count, late_event_count } = u
    if (!isTextOrNull(cwd) || !isTextOrNull(branch) || !isTextOrNull(transcript_path) || !isTextOrNull(title)) return undefined
    if (!isCount(event_count) || !isCount(late_event_count)) return undefined
    return {
      id,
      projectId: project_id,
      machineId: machine_id,
      agent,
      status,
      version,
      parentId: parent_id,
      createdAt: created_at,
      updatedAt: updated_at,
      completedAt: completed_at,
      processedAt: processed_at,
      archivedAt: archived_at,
      capabilities: caps,
      boundary: bounds,
      metadata: { cwd, branch, transcriptPath: transcript_path, title },
      counters: { events: event_count, lateEvents: late_event_count }
    }
  }
}

type Command = TransitionFields["command"]
const isCommand = (u: unknown): u is Command => u === "create" || TRANSITION_COMMANDS.some((c) => c === u)

/** A `transitions` row, or undefined when the full CLI's store would not decode it. */
export const transitionOfRow = (u: unknown): TransitionFields | undefined => {
  if (!isRow(u)) return undefined
  const { session_id, version, from_status, to_status, command, reason, actor, at } = u
  if (!isSessionIdText(session_id) || !isInt(version) || !(from_status === null || isStatus(from_status)) || !isStatus(to_status)) return undefined
  if (!isCommand(command) || !isText(reason) || !isText(actor) || !isInstant(at)) return undefined
  return { sessionId: session_id, version, from: from_status, to: to_status, command, reason, actor, at }
}

/** An `events` row, or undefined when the full CLI's store would not decode it. */
export const eventOfRow = (u: unknown): EventFields | undefined => {
  if (!isRow(u)) return undefined
  const { session_id, seq, idempotency_id, kind, at, received_at, late, payload } = u
  if (!isSessionIdText(session_id) || !isInt(seq) || !isText(idempotency_id) || !IDEMPOTENCY_ID_PATTERN.test(idempotency_id)) return undefined
  if (!isText(kind) || !EVENT_KIND_PATTERN.test(kind) || !isInstant(at) || !isInstant(received_at) || (late !== 0 && late !== 1)) return undefined
  if (!isText(payload)) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(payload)
  } catch {
    return undefined
  }
  return { seq, kind, at, receivedAt: received_at, late: late === 1, idempotencyId: idempotency_id, payload: parsed }
}
