/**
 * The JSON documents the read commands print (`myco session list`, `session show`, `status`),
 * built in one place: the full CLI (through the domain's encoders) and the read path (read/, which
 * loads no Effect) both print what these builders return, so the two cannot drift apart, down to
 * the order of the keys. Each document is the `Encoded` side of its domain schema;
 * test/lean/Documents.typecheck.ts keeps the types equal and test/lean/Documents.test.ts the values.
 *
 * Effect-free, and imports only Node's own modules.
 */

/** The lifecycle states, in table order (domain/Session.ts: `SessionStatus`). */
export const SESSION_STATUSES = ["active", "completed", "processed", "archived"] as const
export type SessionStatusName = (typeof SESSION_STATUSES)[number]

/** The commands that move a session between states (domain/Session.ts: `TransitionCommand`). */
export const TRANSITION_COMMANDS = ["complete", "reopen", "process", "archive", "restore"] as const
export type TransitionCommandName = (typeof TRANSITION_COMMANDS)[number]

/** How many sessions `myco session list` shows unless told otherwise: a page, not the whole vault. */
export const DEFAULT_LIST_LIMIT = 100

/** An instant as every document spells it: ISO-8601, UTC, with milliseconds. */
export const isoTime = (epochMillis: number): string => new Date(epochMillis).toISOString()

const isoOrNull = (epochMillis: number | null): string | null => (epochMillis === null ? null : isoTime(epochMillis))

/** The same document with the named instants given as epoch milliseconds instead of ISO strings. */
export type WithMillis<T, K extends keyof T> = {
  readonly [P in keyof T]: P extends K ? (null extends T[P] ? number | null : number) : T[P]
}

// ---- sessions ---------------------------------------------------------------------------------

/** A session as JSON: `Schema.encodeSync(Session)`. */
export interface SessionJson {
  readonly id: string
  readonly projectId: string
  readonly machineId: string
  readonly agent: string
  readonly status: SessionStatusName
  readonly version: number
  readonly parentId: string | null
  readonly createdAt: string
  readonly updatedAt: string
  readonly completedAt: string | null
  readonly processedAt: string | null
  readonly archivedAt: string | null
  readonly capabilities: { readonly capture: boolean; readonly intelligence: boolean }
  readonly boundary: {
    readonly root: string
    readonly outsideScope: "record" | "drop"
    readonly excludePaths: ReadonlyArray<string>
    readonly redactSecrets: boolean
    readonly maxFieldBytes: number
    readonly maxEventBytes: number
  }
  readonly metadata: {
    readonly cwd: string | null
    readonly branch: string | null
    readonly transcriptPath: string | null
    readonly title: string | null
  }
  readonly counters: { readonly events: number; readonly lateEvents: number }
}

/** What a session document is built from: its fields, with instants in epoch milliseconds. */
export type SessionFields = WithMillis<SessionJson, "createdAt" | "updatedAt" | "completedAt" | "processedAt" | "archivedAt">

/** A session's JSON document. */
export const sessionJson = (s: SessionFields): SessionJson => ({
  id: s.id,
  projectId: s.projectId,
  machineId: s.machineId,
  agent: s.agent,
  status: s.status,
  version: s.version,
  parentId: s.parentId,
  createdAt: isoTime(s.createdAt),
  updatedAt: isoTime(s.updatedAt),
  completedAt: isoOrNull(s.completedAt),
  processedAt: isoOrNull(s.processedAt),
  archivedAt: isoOrNull(s.archivedAt),
  capabilities: { capture: s.capabilities.capture, intelligence: s.capabilities.intelligence },
  boundary: {
    root: s.boundary.root,
    outsideScope: s.boundary.outsideScope,
    excludePaths: [...s.boundary.excludePaths],
    redactSecrets: s.boundary.redactSecrets,
    maxFieldBytes: s.boundary.maxFieldBytes,
    maxEventBytes: s.boundary.maxEventBytes
  },
  metadata: {
    cwd: s.metadata.cwd,
    branch: s.metadata.branch,
    transcriptPath: s.metadata.transcriptPath,
    title: s.metadata.title
  },
  counters: { events: s.counters.events, lateEvents: s.counters.lateEvents }
})

// ---- history and events -----------------------------------------------------------------------

/** One transition of a session's history as JSON: `Schema.encodeSync(TransitionRecord)`. */
export interface TransitionJson {
  readonly sessionId: string
  readonly version: number
  readonly from: SessionStatusName | null
  readonly to: SessionStatusName
  readonly command: "create" | TransitionCommandName
  readonly reason: string
  readonly actor: string
  readonly at: string
}

/** What a transition document is built from. */
export type TransitionFields = WithMillis<TransitionJson, "at">

/** A transition's JSON document. */
export const transitionJson = (r: TransitionFields): TransitionJson => ({
  sessionId: r.sessionId,
  version: r.version,
  from: r.from,
  to: r.to,
  command: r.command,
  reason: r.reason,
  actor: r.actor,
  at: isoTime(r.at)
})

/** One stored event as `myco session show --json` prints it. */
export interface EventJson {
  readonly seq: number
  readonly kind: string
  readonly at: string
  readonly receivedAt: string
  readonly late: boolean
  readonly idempotencyId: string
  readonly payload: unknown
}

/** What an event document is built from. */
export type EventFields = WithMillis<EventJson, "at" | "receivedAt">

/**
 * A session's events in the order the agent emitted them: by the time each was reported (for a
 * hook, when the hook started), then by arrival. Arrival order (`seq`) can differ when hooks run
 * concurrently or an event was spooled and replayed later.
 */
export const eventsInEmittedOrder = (events: ReadonlyArray<EventFields>): ReadonlyArray<EventJson> =>
  [...events]
    .sort((a, b) => a.at - b.at || a.seq - b.seq)
    .map((e) => ({
      seq: e.seq,
      kind: e.kind,
      at: isoTime(e.at),
      receivedAt: isoTime(e.receivedAt),
      late: e.late,
      idempotencyId: e.idempotencyId,
      payload: e.payload
    }))

/** `myco session show --json`: the session's fields, then its history and its events. */
export interface SessionShowJson extends SessionJson {
  readonly history: ReadonlyArray<TransitionJson>
  readonly events: ReadonlyArray<EventJson>
}

/** The document of `myco session show --json`. */
export const sessionShowJson = (
  session: SessionJson,
  history: ReadonlyArray<TransitionJson>,
  events: ReadonlyArray<EventJson>
): SessionShowJson => ({ ...session, history, events })

// ---- the supervisor's status ------------------------------------------------------------------

/** One node of the supervision tree as JSON (actor/Snapshot.ts: `ActorSnapshot`). */
export interface ActorSnapshotJson {
  readonly id: string
  readonly path: string
  readonly kind: "worker" | "supervisor"
  readonly strategy: string | null
  readonly state: "starting" | "running" | "restarting" | "stopping" | "stopped"
  readonly restarts: number
  readonly lastFailure: {
    readonly kind: "error" | "defect"
    readonly tag: string
    readonly message: string
    readonly at: number
  } | null
  readonly mailboxDepth: number
  readonly uptimeMs: number
  readonly deadLetters: number
  readonly childCount: number
  readonly children: ReadonlyArray<ActorSnapshotJson>
}

/** What the supervisor answers to `Status`, as JSON (protocol/Protocol.ts: `StatusReply`). */
export interface StatusReplyJson {
  readonly pid: number
  readonly version: string
  readonly startedAt: string
  readonly uptimeMs: number
  readonly socket: string
  readonly vault: string
  readonly tree: ActorSnapshotJson
  readonly sessions: {
    readonly active: number
    readonly completed: number
    readonly processed: number
    readonly archived: number
    readonly live: number
  }
  readonly ingest: {
    readonly queueDepth: number
    readonly queueCapacity: number
    readonly eventsCommitted: number
    readonly duplicates: number
    readonly lateEvents: number
    readonly batchesCommitted: number
  }
  readonly deadLetters: number
  readonly connections: number
}

const snapshotJson = (node: ActorSnapshotJson): ActorSnapshotJson => ({
  id: node.id,
  path: node.path,
  kind: node.kind,
  strategy: node.strategy,
  state: node.state,
  restarts: node.restarts,
  lastFailure:
    node.lastFailure === null
      ? null
      : { kind: node.lastFailure.kind, tag: node.lastFailure.tag, message: node.lastFailure.message, at: node.lastFailure.at },
  mailboxDepth: node.mailboxDepth,
  uptimeMs: node.uptimeMs,
  deadLetters: node.deadLetters,
  childCount: node.childCount,
  children: node.children.map(snapshotJson)
})

/** `myco status --json`: `{"running": false}`, or `running: true` and the supervisor's status. */
export type StatusJson = { readonly running: false } | ({ readonly running: true } & StatusReplyJson)

/** The document of `myco status --json`, keys in the protocol's order whatever order `reply` has. */
export const statusJson = (reply: StatusReplyJson | undefined): StatusJson =>
  reply === undefined
    ? { running: false }
    : {
        running: true,
        pid: reply.pid,
        version: reply.version,
        startedAt: reply.startedAt,
        uptimeMs: reply.uptimeMs,
        socket: reply.socket,
        vault: reply.vault,
        tree: snapshotJson(reply.tree),
        sessions: {
          active: reply.sessions.active,
          completed: reply.sessions.completed,
          processed: reply.sessions.processed,
          archived: reply.sessions.archived,
          live: reply.sessions.live
        },
        ingest: {
          queueDepth: reply.ingest.queueDepth,
          queueCapacity: reply.ingest.queueCapacity,
          eventsCommitted: reply.ingest.eventsCommitted,
          duplicates: reply.ingest.duplicates,
          lateEvents: reply.ingest.lateEvents,
          batchesCommitted: reply.ingest.batchesCommitted
        },
        deadLetters: reply.deadLetters,
        connections: reply.connections
      }

// ---- printing ---------------------------------------------------------------------------------

/** A JSON document as the CLI prints it on stdout: indented by two, one newline at the end. */
export const jsonDocumentText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`
