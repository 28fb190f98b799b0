/**
 * The session: the unit of work of a coding agent, and its status machine (docs/lifecycle.md).
 * Everything here is pure: no clock, no storage. The store persists what these functions compute.
 */
import { DateTime, Either, Schema } from "effect"
import { SESSION_STATUSES, sessionJson, TRANSITION_COMMANDS, transitionJson } from "../lean/Documents.js"
import { AgentName, MachineId, ProjectId, SessionId } from "./Ids.js"

/** The lifecycle states. `archived` is the only one not reachable by a running agent. */
export const SessionStatus = Schema.Literal(...SESSION_STATUSES)
export type SessionStatus = typeof SessionStatus.Type

/** The commands that move a session between states. */
export const TransitionCommand = Schema.Literal(...TRANSITION_COMMANDS)
export type TransitionCommand = typeof TransitionCommand.Type

/**
 * The transition table: for each status, the commands it accepts and where they lead.
 * `create` is not in the table: it is the only way in, to `active`.
 */
export const TRANSITIONS: { readonly [S in SessionStatus]: Partial<Record<TransitionCommand, SessionStatus>> } = {
  active: { complete: "completed" },
  completed: { reopen: "active", process: "processed" },
  processed: { reopen: "active", archive: "archived" },
  archived: { restore: "processed" }
}

/** What a session may do. Snapshotted at creation so that later config changes do not rewrite history. */
export const Capabilities = Schema.Struct({
  /** It accepts captured events while active. */
  capture: Schema.Boolean,
  /** Intelligence tasks may run on it once it is terminal. */
  intelligence: Schema.Boolean
})
export type Capabilities = typeof Capabilities.Type

/** The capture boundary the session was created under (from myco.yaml `capture`). */
export const CaptureBoundary = Schema.Struct({
  /** The project root: paths outside it are outside the session's scope. */
  root: Schema.String,
  /** What happens to paths outside the root: recorded as outside-scope (content not read), or dropped. */
  outsideScope: Schema.Literal("record", "drop"),
  /** Path globs whose content is never captured. */
  excludePaths: Schema.Array(Schema.String),
  /** Whether secret-looking content is redacted. */
  redactSecrets: Schema.Boolean,
  /** Largest single field, in bytes, before truncation. */
  maxFieldBytes: Schema.Int,
  /** Largest event, in bytes, before truncation. */
  maxEventBytes: Schema.Int
})
export type CaptureBoundary = typeof CaptureBoundary.Type

/** Facts about where the session runs, as reported by the agent or the CLI. */
export const SessionMetadata = Schema.Struct({
  cwd: Schema.NullOr(Schema.String),
  branch: Schema.NullOr(Schema.String),
  transcriptPath: Schema.NullOr(Schema.String),
  title: Schema.NullOr(Schema.String)
})
export type SessionMetadata = typeof SessionMetadata.Type

/** Counters kept by the store as events arrive. */
export const SessionCounters = Schema.Struct({
  events: Schema.NonNegativeInt,
  /** Events that arrived after the session left `active` (stored, flagged, never dropped). */
  lateEvents: Schema.NonNegativeInt
})
export type SessionCounters = typeof SessionCounters.Type

/** A session as stored and as shown. Timestamps are UTC and encode as ISO-8601 strings. */
export class Session extends Schema.Class<Session>("Session")({
  id: SessionId,
  projectId: ProjectId,
  machineId: MachineId,
  agent: AgentName,
  status: SessionStatus,
  /** Starts at 1 and is bumped by every transition: the compare-and-set token. */
  version: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  parentId: Schema.NullOr(SessionId),
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc,
  completedAt: Schema.NullOr(Schema.DateTimeUtc),
  processedAt: Schema.NullOr(Schema.DateTimeUtc),
  archivedAt: Schema.NullOr(Schema.DateTimeUtc),
  capabilities: Capabilities,
  boundary: CaptureBoundary,
  metadata: SessionMetadata,
  counters: SessionCounters
}) {}

/** One row of the append-only transition history: the lineage of a session's states. */
export class TransitionRecord extends Schema.Class<TransitionRecord>("TransitionRecord")({
  sessionId: SessionId,
  /** The session version this transition produced (1 for creation). */
  version: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  /** `null` for the creation. */
  from: Schema.NullOr(SessionStatus),
  to: SessionStatus,
  /** `create` or one of the transition commands. */
  command: Schema.Literal("create", ...TransitionCommand.literals),
  /** Why, in words: "SessionEnd hook", "idle for 30m", "by hand". */
  reason: Schema.String,
  /** Who: "cli", "agent:claude-code", "supervisor", ... */
  actor: Schema.String,
  at: Schema.DateTimeUtc
}) {}

/** A command that the session's current status does not accept. */
export class InvalidTransition extends Schema.TaggedError<InvalidTransition>()("InvalidTransition", {
  sessionId: SessionId,
  from: SessionStatus,
  command: TransitionCommand,
  /** The commands the current status does accept. */
  allowed: Schema.Array(TransitionCommand)
}) {
  override get message(): string {
    const allowed = this.allowed.length === 0 ? "none" : this.allowed.join(", ")
    return `cannot ${this.command} session ${this.sessionId}: it is ${this.from} (allowed from ${this.from}: ${allowed})`
  }
}

/** The commands a status accepts, in table order. */
export const allowedCommands = (status: SessionStatus): ReadonlyArray<TransitionCommand> =>
  TransitionCommand.literals.filter((command) => TRANSITIONS[status][command] !== undefined)

/** Where `command` leads from `status`, if anywhere. */
export const nextStatus = (status: SessionStatus, command: TransitionCommand): SessionStatus | undefined =>
  TRANSITIONS[status][command]

/** Everything needed to create a session, computed by the lifecycle service. */
export interface NewSession {
  readonly id: SessionId
  readonly projectId: ProjectId
  readonly machineId: MachineId
  readonly agent: AgentName
  readonly parentId: SessionId | null
  readonly capabilities: Capabilities
  readonly boundary: CaptureBoundary
  readonly metadata: SessionMetadata
}

/** A new session, active at version 1, with the history row that records its creation. */
export const createSession = (
  input: NewSession,
  at: DateTime.Utc,
  reason: string,
  actor: string
): readonly [Session, TransitionRecord] => {
  const session = new Session({
    ...input,
    status: "active",
    version: 1,
    createdAt: at,
    updatedAt: at,
    completedAt: null,
    processedAt: null,
    archivedAt: null,
    counters: { events: 0, lateEvents: 0 }
  })
  const record = new TransitionRecord({
    sessionId: input.id,
    version: 1,
    from: null,
    to: "active",
    command: "create",
    reason,
    actor,
    at
  })
  return [session, record]
}

/**
 * The status machine: applies `command` to `session` at time `at`. Pure. On success returns the
 * next session (status changed, version bumped, the state's timestamp set) and the history row;
 * on failure an `InvalidTransition` naming what the current status allows.
 */
export const applyTransition = (
  session: Session,
  command: TransitionCommand,
  at: DateTime.Utc,
  reason: string,
  actor: string
): Either.Either<readonly [Session, TransitionRecord], InvalidTransition> => {
  const to = nextStatus(session.status, command)
  if (to === undefined) {
    return Either.left(
      new InvalidTransition({
        sessionId: session.id,
        from: session.status,
        command,
        allowed: allowedCommands(session.status)
      })
    )
  }
  const next = new Session({
    ...session,
    status: to,
    version: session.version + 1,
    updatedAt: at,
    completedAt: to === "completed" ? at : session.completedAt,
    processedAt: to === "processed" ? at : session.processedAt,
    archivedAt: to === "archived" ? at : to === "processed" ? null : session.archivedAt
  })
  const record = new TransitionRecord({
    sessionId: session.id,
    version: next.version,
    from: session.status,
    to,
    command,
    reason,
    actor,
    at
  })
  return Either.right([next, record])
}

/**
 * Replays a history (oldest first) and returns the status and version it leads to, or the first
 * row that breaks the table. Used to check that the stored history explains the stored session.
 */
export const replayHistory = (
  history: ReadonlyArray<TransitionRecord>
): Either.Either<{ readonly status: SessionStatus; readonly version: number }, string> => {
  let status: SessionStatus | undefined
  let version = 0
  for (const row of history) {
    if (row.version !== version + 1) return Either.left(`version ${row.version} follows ${version}`)
    if (row.command === "create") {
      if (status !== undefined || row.to !== "active") return Either.left(`create at version ${row.version}`)
    } else {
      if (status === undefined || row.from !== status || nextStatus(status, row.command) !== row.to) {
        return Either.left(`${row.command} from ${row.from} to ${row.to} at version ${row.version}`)
      }
    }
    status = row.to
    version = row.version
  }
  return status === undefined ? Either.left("empty history") : Either.right({ status, version })
}

const ms = (t: DateTime.Utc): number => DateTime.toEpochMillis(t)
const msOrNull = (t: DateTime.Utc | null): number | null => (t === null ? null : ms(t))

/**
 * The JSON form of a session: exactly `Schema.encodeSync(Session)(session)` (a property test keeps
 * the two equal), built by lean/Documents.ts, which the read path prints too: listing many
 * sessions is on the CLI's latency budget, and a schema encoder is compiled on first use in every
 * process.
 */
export const sessionToJson = (s: Session): typeof Session.Encoded =>
  sessionJson({
    ...s,
    createdAt: ms(s.createdAt),
    updatedAt: ms(s.updatedAt),
    completedAt: msOrNull(s.completedAt),
    processedAt: msOrNull(s.processedAt),
    archivedAt: msOrNull(s.archivedAt)
  })

/** The JSON form of a history row: exactly `Schema.encodeSync(TransitionRecord)(record)`, built by lean/Documents.ts. */
export const transitionToJson = (r: TransitionRecord): typeof TransitionRecord.Encoded => transitionJson({ ...r, at: ms(r.at) })
