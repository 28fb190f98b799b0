/**
 * The supervisor's wire protocol (DESIGN.md section 8), defined once and used by the daemon, the
 * CLI and the hooks. Frames are newline-delimited JSON over a Unix socket:
 *
 *   client -> server   {"id": 7, "request": {"_tag": "SessionGet", "id": "s-1"}}
 *   server -> client   {"id": 7, "ok": {...}}            one reply per request, or
 *                      {"id": 7, "error": {"_tag": ...}}  a typed error, or, for Watch,
 *                      {"id": 7, "item": {...}}           any number of items until the client
 *                                                         closes the connection.
 *
 * A frame that cannot be read gets an error reply whose id is null (or the request's id when it
 * could be read), and never closes the server or harms other connections.
 */
import { Schema } from "effect"
import { AgentNotAllowed, SessionExists, SessionNotFound, VersionConflict } from "../domain/Errors.js"
import { AppendOutcome, CapturedEvent, EventKind, IdempotencyId } from "../domain/Event.js"
import { AgentError, ConfigError, SystemError, TransientError } from "../domain/Failure.js"
import { AgentName, SessionId } from "../domain/Ids.js"
import { InvalidTransition, Session, SessionMetadata, SessionStatus, TransitionCommand, TransitionRecord } from "../domain/Session.js"

/** The protocol version. A server refuses a Hello with another major version. */
export const PROTOCOL_VERSION = 1

// ---- requests ---------------------------------------------------------------------------------

/** Opens a conversation: who is talking, in which protocol version. */
export class Hello extends Schema.TaggedClass<Hello>()("Hello", {
  protocol: Schema.Int,
  client: Schema.String
}) {}

export class SessionCreate extends Schema.TaggedClass<SessionCreate>()("SessionCreate", {
  agent: AgentName,
  id: Schema.optional(SessionId),
  parentId: Schema.optional(SessionId),
  metadata: Schema.optional(Schema.partial(SessionMetadata)),
  reason: Schema.optional(Schema.String),
  actor: Schema.optional(Schema.String)
}) {}

export class SessionGet extends Schema.TaggedClass<SessionGet>()("SessionGet", { id: SessionId }) {}

export class SessionList extends Schema.TaggedClass<SessionList>()("SessionList", {
  status: Schema.optional(SessionStatus),
  agent: Schema.optional(AgentName),
  limit: Schema.optional(Schema.Int.pipe(Schema.positive()))
}) {}

export class SessionTransition extends Schema.TaggedClass<SessionTransition>()("SessionTransition", {
  id: SessionId,
  command: TransitionCommand,
  reason: Schema.optional(Schema.String),
  actor: Schema.optional(Schema.String),
  expectedVersion: Schema.optional(Schema.Int)
}) {}

export class SessionHistory extends Schema.TaggedClass<SessionHistory>()("SessionHistory", { id: SessionId }) {}

/** Captured events; acknowledged only once committed. */
export class Capture extends Schema.TaggedClass<Capture>()("Capture", {
  events: Schema.Array(CapturedEvent).pipe(Schema.minItems(1), Schema.maxItems(10_000))
}) {}

/** How the hook read the agent's input. */
export const HookInputStatus = Schema.Literal(
  /** A JSON payload, read whole. */
  "ok",
  /** Nothing on stdin (or stdin was a terminal). */
  "empty",
  /** Input that does not parse as JSON (`head` keeps its beginning). */
  "not-json",
  /** Input over the hook's size cap: read to its end, but only `head` kept. */
  "oversize",
  /** Stdin failed or stalled before its end (`head` keeps what was read). */
  "unreadable"
)
export type HookInputStatus = typeof HookInputStatus.Type

/** What the hook knows about the input it was given, besides the payload. */
export const HookInput = Schema.Struct({
  status: HookInputStatus,
  /** The input's size in bytes, as read. */
  bytes: Schema.NonNegativeInt,
  /** The beginning of an input that could not be used as a payload (lossy UTF-8). */
  head: Schema.optional(Schema.String),
  /** Where the payload came from: stdin, or an argument (Codex passes it as the last one). */
  from: Schema.Literal("stdin", "argv")
})
export type HookInput = typeof HookInput.Type

/**
 * One agent hook invocation, as the hook binary delivers it (or as it was spooled). The supervisor
 * normalises it for the agent, applies the capture boundary and stores it; the idempotency id,
 * chosen by the hook, makes a retry or a spool replay harmless.
 */
export class HookEvent extends Schema.TaggedClass<HookEvent>()("HookEvent", {
  idempotencyId: IdempotencyId,
  /** The agent named by the installed command (`--agent`); never guessed. */
  agent: AgentName,
  /** The agent's own name of the hook event, as the installed command passes it. */
  event: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)),
  /** When the hook process started: the order in which the agent emitted its events. */
  at: Schema.DateTimeUtc,
  /** The hook's working directory. */
  cwd: Schema.String,
  input: HookInput,
  /** The agent's payload, parsed; null when the input was not usable JSON. */
  payload: Schema.Unknown
}) {}

export class Status extends Schema.TaggedClass<Status>()("Status", {}) {}

/** A live stream of transitions and events, of one session or of all. */
export class Watch extends Schema.TaggedClass<Watch>()("Watch", { sessionId: Schema.optional(SessionId) }) {}

/** Asks the supervisor to shut down gracefully. */
export class Stop extends Schema.TaggedClass<Stop>()("Stop", {}) {}

/** Every request. */
export const Request = Schema.Union(
  Hello,
  SessionCreate,
  SessionGet,
  SessionList,
  SessionTransition,
  SessionHistory,
  Capture,
  HookEvent,
  Status,
  Watch,
  Stop
)
export type Request = typeof Request.Type

/** A request frame. */
export const RequestFrame = Schema.Struct({ id: Schema.Int.pipe(Schema.nonNegative()), request: Request })
export type RequestFrame = typeof RequestFrame.Type

// ---- replies ----------------------------------------------------------------------------------

export const HelloReply = Schema.Struct({
  protocol: Schema.Int,
  version: Schema.String,
  pid: Schema.Int
})

/** One node of the supervision tree, as `myco status` shows it. */
export interface TreeNode {
  readonly id: string
  readonly path: string
  readonly kind: string
  /** For supervisors: one_for_one, one_for_all, rest_for_one or dynamic. */
  readonly strategy: string | null
  readonly state: string
  readonly restarts: number
  /** The failure class (or error tag) of the last failure, and its message. */
  readonly lastFailure: string | null
  readonly mailbox: number
  readonly uptimeMs: number
  readonly deadLetters: number
  /** How many children there are (more than listed when the tree was cut short). */
  readonly childCount: number
  readonly children: ReadonlyArray<TreeNode>
}
export const TreeNode: Schema.Schema<TreeNode> = Schema.Struct({
  id: Schema.String,
  path: Schema.String,
  kind: Schema.String,
  strategy: Schema.NullOr(Schema.String),
  state: Schema.String,
  restarts: Schema.Int,
  lastFailure: Schema.NullOr(Schema.String),
  mailbox: Schema.Int,
  uptimeMs: Schema.Number,
  deadLetters: Schema.Int,
  childCount: Schema.Int,
  children: Schema.Array(Schema.suspend((): Schema.Schema<TreeNode> => TreeNode))
})

export const StatusReply = Schema.Struct({
  pid: Schema.Int,
  version: Schema.String,
  startedAt: Schema.String,
  uptimeMs: Schema.Number,
  socket: Schema.String,
  vault: Schema.String,
  tree: TreeNode,
  sessions: Schema.Struct({
    active: Schema.Int,
    completed: Schema.Int,
    processed: Schema.Int,
    archived: Schema.Int,
    live: Schema.Int
  }),
  ingest: Schema.Struct({
    queueDepth: Schema.Int,
    queueCapacity: Schema.Int,
    eventsCommitted: Schema.Int,
    duplicates: Schema.Int,
    lateEvents: Schema.Int,
    batchesCommitted: Schema.Int
  }),
  deadLetters: Schema.Int,
  connections: Schema.Int
})
export type StatusReply = typeof StatusReply.Type

/** What a Watch stream carries: a transition, or an event once it is committed. */
export const WatchItem = Schema.Union(
  Schema.TaggedStruct("Transitioned", { record: TransitionRecord }),
  Schema.TaggedStruct("Captured", {
    sessionId: SessionId,
    seq: Schema.Int,
    idempotencyId: IdempotencyId,
    kind: EventKind,
    at: Schema.DateTimeUtc,
    late: Schema.Boolean
  })
)
export type WatchItem = typeof WatchItem.Type

/** What the supervisor did with a hook event. */
export const HookEventReply = Schema.Struct({
  outcome: Schema.Literal(
    /** Stored in its session. */
    "stored",
    /** Seen before (a retry or a spool replay): not stored again. */
    "duplicate",
    /** Stored apart: the payload names no session (malformed input, unknown contract). */
    "unattributed",
    /** Not stored: the agent may not create sessions in this vault (`agents.allowed`). */
    "refused"
  ),
  sessionId: Schema.NullOr(SessionId),
  kind: EventKind,
  late: Schema.Boolean
})
export type HookEventReply = typeof HookEventReply.Type

/** The reply schema of each request, by tag. */
export const ReplySchemas = {
  Hello: HelloReply,
  SessionCreate: Session,
  SessionGet: Session,
  SessionList: Schema.Array(Session),
  SessionTransition: Session,
  SessionHistory: Schema.Array(TransitionRecord),
  Capture: Schema.Array(AppendOutcome),
  HookEvent: HookEventReply,
  Status: StatusReply,
  Watch: WatchItem,
  Stop: Schema.Struct({ stopping: Schema.Boolean })
} as const

// ---- errors -----------------------------------------------------------------------------------

/** A frame that is not valid JSON, or not a valid request. */
export class BadFrame extends Schema.TaggedError<BadFrame>()("BadFrame", { reason: Schema.String }) {
  override get message(): string {
    return `bad frame: ${this.reason}`
  }
}

/** A frame larger than the server accepts; it was discarded. */
export class FrameTooLarge extends Schema.TaggedError<FrameTooLarge>()("FrameTooLarge", { limit: Schema.Int }) {
  override get message(): string {
    return `frame larger than ${this.limit} bytes: discarded`
  }
}

/** The client speaks a protocol version the server does not. */
export class UnsupportedProtocol extends Schema.TaggedError<UnsupportedProtocol>()("UnsupportedProtocol", {
  server: Schema.Int,
  client: Schema.Int
}) {
  override get message(): string {
    return `protocol ${this.client} is not supported by this supervisor (it speaks ${this.server}): upgrade myco`
  }
}

/** The supervisor is stopping and accepts no new work. */
export class ShuttingDown extends Schema.TaggedError<ShuttingDown>()("ShuttingDown", {}) {
  override get message(): string {
    return "the supervisor is shutting down"
  }
}

/** Every error a reply may carry. */
export const WireError = Schema.Union(
  BadFrame,
  FrameTooLarge,
  UnsupportedProtocol,
  ShuttingDown,
  SessionNotFound,
  SessionExists,
  VersionConflict,
  InvalidTransition,
  AgentNotAllowed,
  TransientError,
  ConfigError,
  SystemError,
  AgentError
)
export type WireError = typeof WireError.Type

/** A reply frame, before its payload is decoded with the request's reply schema. */
export const ReplyFrame = Schema.Union(
  Schema.Struct({ id: Schema.NullOr(Schema.Int), ok: Schema.Unknown }),
  Schema.Struct({ id: Schema.NullOr(Schema.Int), error: WireError }),
  Schema.Struct({ id: Schema.NullOr(Schema.Int), item: Schema.Unknown })
)
export type ReplyFrame = typeof ReplyFrame.Type
