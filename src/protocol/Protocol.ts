/**
 * The supervisor's wire protocol, declared once: every request with its payload, what it answers
 * and how it fails (the `Requests` table). The server's dispatch (protocol/Server.ts with the
 * daemon's router), the typed client (protocol/Client.ts) and the remote lifecycle layer
 * (session/Remote.ts) are all derived from this table, so a new request is one declaration here
 * and one handler in the router.
 *
 * Frames are newline-delimited JSON over a Unix socket:
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
import { ActorSnapshot } from "../actor/Snapshot.js"
import { AppendOutcome, CapturedEvent, EventKind, IdempotencyId } from "../domain/Event.js"
import { AgentError, ConfigError, SystemError, TransientError } from "../domain/Failure.js"
import { HarnessInfo } from "../domain/HarnessInfo.js"
import { AgentName, SessionId } from "../domain/Ids.js"
import { Run } from "../domain/Run.js"
import { InvalidTransition, Session, SessionMetadata, SessionStatus, sessionToJson, TransitionCommand, TransitionRecord } from "../domain/Session.js"

/** The protocol version. A server refuses a Hello with another major version. */
export { PROTOCOL_VERSION } from "../lean/StatusWire.js"

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
  "unreadable",
  /** JSON nesting deeper than the hook accepts: kept as its beginning, as text (`head`). */
  "too-deep"
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

/** Bounds of the gateway requests' strings (a run id, a token, a tool name). */
const RunIdString = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
const TokenString = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))
const ToolName = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128))

/**
 * Calls one of the gateway's tools for a run (`myco mcp --run <id>`), with the token the
 * supervisor issued for that run. The arguments are the tool's JSON input; the frame's own limits
 * (size, depth) bound them.
 */
export class ToolCall extends Schema.TaggedClass<ToolCall>()("ToolCall", {
  runId: RunIdString,
  token: TokenString,
  tool: ToolName,
  args: Schema.Unknown
}) {}

/** The tools a run may call (after the manifest's `allow` and `read_only`). */
export class ToolList extends Schema.TaggedClass<ToolList>()("ToolList", { runId: RunIdString, token: TokenString }) {}

/** The harnesses of the vault, with their circuits and running runs. */
export class HarnessList extends Schema.TaggedClass<HarnessList>()("HarnessList", {}) {}

/** One ad-hoc run on a named harness, answered once it ended (every attempt recorded as a run). */
export class HarnessTry extends Schema.TaggedClass<HarnessTry>()("HarnessTry", {
  harness: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)),
  sessionId: SessionId,
  prompt: Schema.String.pipe(Schema.maxLength(64 * 1024)),
  /** The capability to ask for; the harness's first when absent. */
  capability: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(128)))
}) {}

/** Asks the supervisor to shut down gracefully. */
export class Stop extends Schema.TaggedClass<Stop>()("Stop", {}) {}

// ---- replies ----------------------------------------------------------------------------------

export const HelloReply = Schema.Struct({
  protocol: Schema.Int,
  version: Schema.String,
  pid: Schema.Int
})

export const StatusReply = Schema.Struct({
  pid: Schema.Int,
  version: Schema.String,
  startedAt: Schema.String,
  uptimeMs: Schema.Number,
  socket: Schema.String,
  vault: Schema.String,
  tree: ActorSnapshot,
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
  connections: Schema.Int,
  /** The harnesses, with their circuits and running runs. */
  harnesses: Schema.optional(Schema.Array(HarnessInfo)),
  /** Whether the supervisor writes, or has paused its writes because the vault's disk is full. */
  intake: Schema.optional(
    Schema.Struct({
      state: Schema.Literal("accepting", "paused"),
      since: Schema.optional(Schema.String),
      reason: Schema.optional(Schema.String),
      /** Requests refused during this pause (the hooks spooled them). */
      refused: Schema.Int,
      /** Probes that found the disk still full during this pause. */
      probes: Schema.Int,
      lastProbe: Schema.optional(Schema.String),
      /** Pauses that ended since the supervisor started. */
      pauses: Schema.Int
    })
  ),
  /** What waits in the spools, and the room kept in reserve. */
  spool: Schema.optional(
    Schema.Struct({
      waiting: Schema.Int,
      fallbackWaiting: Schema.Int,
      fallback: Schema.NullOr(Schema.String),
      reserveBytes: Schema.Int,
      reserveTargetBytes: Schema.Int
    })
  ),
  /** Hook events that could be kept nowhere (not acknowledged yet), and the write pauses recorded. */
  losses: Schema.optional(
    Schema.Struct({
      lost: Schema.Int,
      lostForSpace: Schema.Int,
      firstAt: Schema.optional(Schema.String),
      lastAt: Schema.optional(Schema.String),
      acknowledged: Schema.Int,
      pauses: Schema.Int
    })
  )
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

/** A gateway tool, as `ToolList` describes it. */
export const ToolInfo = Schema.Struct({
  name: Schema.String,
  description: Schema.String,
  /** Its input, as JSON Schema. */
  inputSchema: Schema.Unknown,
  writes: Schema.Boolean
})
export type ToolInfo = typeof ToolInfo.Type

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

/** A frame nesting arrays and objects deeper than the server accepts; it was not decoded. */
export class FrameTooDeep extends Schema.TaggedError<FrameTooDeep>()("FrameTooDeep", { limit: Schema.Int }) {
  override get message(): string {
    return `frame nests deeper than ${this.limit} levels: refused`
  }
}

/** The server is at one of its limits (connections, buffered bytes); the connection is closed. */
export class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", { reason: Schema.String }) {
  override get message(): string {
    return `the supervisor is overloaded: ${this.reason}`
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

/** The client cannot reach the supervisor (not running, socket gone, connection lost). */
export class SupervisorUnavailable extends Schema.TaggedError<SupervisorUnavailable>()("SupervisorUnavailable", { reason: Schema.String }) {
  override get message(): string {
    return `the supervisor is not reachable: ${this.reason}`
  }
}

/** The supervisor sent something this client cannot read. */
export class ProtocolViolation extends Schema.TaggedError<ProtocolViolation>()("ProtocolViolation", { reason: Schema.String }) {
  override get message(): string {
    return `the supervisor answered with a frame this myco cannot read: ${this.reason}`
  }
}

/**
 * A tool call the gateway refused (not allowed, a write under `read_only`, arguments that do not
 * decode): the wire form of harness/Gateway.ts's ToolRefused (same tag and fields; protocol/ does
 * not depend on harness/).
 */
export class ToolRefused extends Schema.TaggedError<ToolRefused>()("ToolRefused", {
  tool: Schema.String,
  reason: Schema.String,
  argumentBytes: Schema.Int
}) {
  override get message(): string {
    return `tool ${this.tool} refused: ${this.reason}`
  }
}

/** An allowed tool call that failed while running: the wire form of harness/Gateway.ts's ToolFailed. */
export class ToolFailed extends Schema.TaggedError<ToolFailed>()("ToolFailed", { tool: Schema.String, message: Schema.String }) {}

/** A run token that no live run holds: never issued, revoked (its run ended), or another run's. */
export class RunTokenInvalid extends Schema.TaggedError<RunTokenInvalid>()("RunTokenInvalid", { runId: Schema.String }) {
  override get message(): string {
    return `no live run ${this.runId} holds this token (the run has ended, or the token is not its own)`
  }
}

/** What any frame may be answered with, whatever its request: the frame itself was the problem. */
export const FrameError = Schema.Union(BadFrame, FrameTooLarge, FrameTooDeep, Overloaded, UnsupportedProtocol, ShuttingDown)
export type FrameError = typeof FrameError.Type

/** What reaching the supervisor may fail with, on the client's side. */
export type TransportError = SupervisorUnavailable | ProtocolViolation

/** The failures of a request that touches the vault's store. */
const StoreFailures = [TransientError, ConfigError, SystemError] as const

// ---- the table ----------------------------------------------------------------------------------

/** A transition, committed: the session as it now is, and the history record written for it. */
export const Transitioned = Schema.Struct({ session: Session, record: TransitionRecord })
export type Transitioned = typeof Transitioned.Type

/** One request: its payload, what it answers, how it fails; `stream` for requests answered by items. */
interface RequestSpec<P extends Schema.Schema.All, S extends Schema.Schema.All, E extends Schema.Schema.All> {
  readonly payload: P
  readonly success: S
  readonly error: E
  /** Answered by `{"ok": {"watching": true}}`, then `{"item": ...}` frames of `success`. */
  readonly stream?: true
  /**
   * A hand-written encoder of `success`, for answers that are large and frequent (sessions), where
   * a schema encoder costs the CLI's budget; test/protocol/encoders.test.ts proves each one equal
   * to the schema's encoding.
   */
  readonly encode?: (success: Schema.Schema.Type<S>) => Schema.Schema.Encoded<S>
}

const request = <P extends Schema.Schema.All, S extends Schema.Schema.All, E extends Schema.Schema.All>(
  spec: RequestSpec<P, S, E>
): RequestSpec<P, S, E> => spec

const encodeRecord = Schema.encodeSync(TransitionRecord)
const encodeTransitioned = (t: Transitioned): typeof Transitioned.Encoded => ({ session: sessionToJson(t.session), record: encodeRecord(t.record) })

/** The most tools one run is offered. */
export const MAX_RUN_TOOLS = 100

/** Every request of the protocol, by tag. */
export const Requests = {
  Hello: request({ payload: Hello, success: HelloReply, error: UnsupportedProtocol }),
  SessionCreate: request({
    payload: SessionCreate,
    success: Transitioned,
    error: Schema.Union(SessionExists, SessionNotFound, AgentNotAllowed, ...StoreFailures),
    encode: encodeTransitioned
  }),
  SessionGet: request({ payload: SessionGet, success: Session, error: Schema.Union(SessionNotFound, ...StoreFailures), encode: sessionToJson }),
  SessionList: request({
    payload: SessionList,
    success: Schema.Array(Session),
    error: Schema.Union(...StoreFailures),
    encode: (sessions) => sessions.map(sessionToJson)
  }),
  SessionTransition: request({
    payload: SessionTransition,
    success: Transitioned,
    error: Schema.Union(InvalidTransition, VersionConflict, SessionNotFound, ...StoreFailures),
    encode: encodeTransitioned
  }),
  SessionHistory: request({ payload: SessionHistory, success: Schema.Array(TransitionRecord), error: Schema.Union(SessionNotFound, ...StoreFailures) }),
  Capture: request({ payload: Capture, success: Schema.Array(AppendOutcome), error: Schema.Union(SessionNotFound, AgentError, ...StoreFailures) }),
  HookEvent: request({ payload: HookEvent, success: HookEventReply, error: Schema.Union(SessionNotFound, AgentError, ...StoreFailures) }),
  Status: request({ payload: Status, success: StatusReply, error: Schema.Union(...StoreFailures) }),
  ToolCall: request({ payload: ToolCall, success: Schema.Unknown, error: Schema.Union(ToolRefused, ToolFailed, RunTokenInvalid) }),
  ToolList: request({
    payload: ToolList,
    success: Schema.Array(ToolInfo).pipe(Schema.maxItems(MAX_RUN_TOOLS)),
    error: RunTokenInvalid
  }),
  Watch: request({ payload: Watch, success: WatchItem, error: Schema.Never, stream: true }),
  HarnessList: request({ payload: HarnessList, success: Schema.Array(HarnessInfo), error: Schema.Never }),
  HarnessTry: request({ payload: HarnessTry, success: Run, error: Schema.Union(SessionNotFound, ...StoreFailures) }),
  Stop: request({ payload: Stop, success: Schema.Struct({ stopping: Schema.Boolean }), error: Schema.Never })
} as const

/** The tag of a request. */
export type RequestTag = keyof typeof Requests
/** The tags of the requests answered once (every one but Watch). */
export type CallTag = Exclude<RequestTag, "Watch">
/** The payload of request `K`. */
export type PayloadOf<K extends RequestTag> = Schema.Schema.Type<(typeof Requests)[K]["payload"]>
/** What request `K` answers. */
export type SuccessOf<K extends RequestTag> = Schema.Schema.Type<(typeof Requests)[K]["success"]>
/** How request `K` fails, besides the frame errors. */
export type ErrorOf<K extends RequestTag> = Schema.Schema.Type<(typeof Requests)[K]["error"]>

/** Every request. */
export const Request = Schema.Union(...Object.values(Requests).map((spec) => spec.payload))
export type Request = typeof Request.Type

/** A request frame. */
export const RequestFrame = Schema.Struct({ id: Schema.Int.pipe(Schema.nonNegative()), request: Request })
export type RequestFrame = typeof RequestFrame.Type

/** Every error any reply may carry. */
export const WireError = Schema.Union(FrameError, ...Object.values(Requests).map((spec) => spec.error))
export type WireError = typeof WireError.Type

/** A reply frame, before its payload is decoded with its request's schemas. */
export const ReplyFrame = Schema.Union(
  Schema.Struct({ id: Schema.NullOr(Schema.Int), ok: Schema.Unknown }),
  Schema.Struct({ id: Schema.NullOr(Schema.Int), error: Schema.Unknown }),
  Schema.Struct({ id: Schema.NullOr(Schema.Int), item: Schema.Unknown })
)
export type ReplyFrame = typeof ReplyFrame.Type
