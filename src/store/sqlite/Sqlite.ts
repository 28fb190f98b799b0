/**
 * The SQLite backend of the storage ports, on @effect/sql-sqlite-node (better-sqlite3, WAL).
 *
 * Concurrency: several processes may write one vault at once. SQLite serialises writers; every
 * write transaction here starts with a write statement, so SQLite's busy handler (busy_timeout)
 * waits for the lock with a fresh snapshot instead of failing with SQLITE_BUSY_SNAPSHOT. What
 * still comes back busy is a TransientError, retried with backoff. Transitions are compare-and-set
 * on (status, version), so a lost race is a VersionConflict, never a silent overwrite.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as Migrator from "@effect/sql/Migrator"
import { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import { Context, DateTime, Effect, Either, Layer, ParseResult, Schema } from "effect"
import { SessionExists, SessionNotFound, VersionConflict } from "../../domain/Errors.js"
import { AppendOutcome, type CapturedEvent, EventKind, IdempotencyId, StoredEvent, type UnattributedEvent } from "../../domain/Event.js"
import { ConfigError, SystemError } from "../../domain/Failure.js"
import { AgentName, MachineId, ProjectId, SessionId } from "../../domain/Ids.js"
import {
  Capabilities,
  CaptureBoundary,
  Session,
  SessionStatus,
  TransitionCommand,
  TransitionRecord
} from "../../domain/Session.js"
import { mapSqlErrors, retryTransient, type RetryPolicy, type StoreFailure } from "./SqliteErrors.js"
import { knownMigrationIds, loader, MIGRATIONS_TABLE } from "./Migrations.js"
import { EventStore, SessionStore, type SessionFilter } from "../SessionStore.js"

/** How to open the vault database. */
export interface DatabaseOptions {
  readonly filename: string
  readonly busyTimeoutMs: number
  readonly retry: RetryPolicy
  /** Apply pending migrations on open (every command but `myco doctor`, which reports them). */
  readonly migrate: boolean
}

/** The open database's settings, for the stores built on it. */
export class DatabaseSettings extends Context.Tag("myco/DatabaseSettings")<DatabaseSettings, DatabaseOptions>() {}

/** The ids of the migrations applied to the database, ascending (empty for a new file). */
export const appliedMigrations: Effect.Effect<ReadonlyArray<number>, StoreFailure, SqlClient | DatabaseSettings> =
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const { filename } = yield* DatabaseSettings
    const tables = yield* sql<{ readonly name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ${MIGRATIONS_TABLE}`.pipe(
      mapSqlErrors("sqlite.migrations", filename)
    )
    if (tables.length === 0) return []
    const rows = yield* sql<{ readonly migration_id: number }>`SELECT migration_id FROM ${sql(MIGRATIONS_TABLE)} ORDER BY migration_id`.pipe(
      mapSqlErrors("sqlite.migrations", filename)
    )
    return rows.map((r) => r.migration_id)
  })

/** The migrations this myco knows that the database lacks. */
export const pendingMigrations: Effect.Effect<ReadonlyArray<number>, StoreFailure, SqlClient | DatabaseSettings> =
  Effect.map(appliedMigrations, (applied) => knownMigrationIds.filter((id) => !applied.includes(id)))

/** A vault written by a newer myco: we must not touch it. */
const newerVault = (filename: string, unknown: ReadonlyArray<number>): ConfigError =>
  new ConfigError({
    message: `the vault database ${filename} has migrations this myco does not know (${unknown.join(", ")}): it was written by a newer myco`,
    hint: "upgrade myco to the version that wrote this vault",
    fix: "npm install myco@latest",
    path: filename
  })

/**
 * Applies pending migrations and returns their ids. Several processes may try at once: the
 * transaction starts by writing a lock row, which makes SQLite serialise them (the busy handler
 * waits with a fresh snapshot); the migrator then sees, under the lock, what is still pending.
 */
export const migrate: Effect.Effect<ReadonlyArray<number>, StoreFailure, SqlClient | DatabaseSettings> = Effect.gen(
  function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const applied = yield* appliedMigrations
    const newest = knownMigrationIds[knownMigrationIds.length - 1] ?? 0
    const unknown = applied.filter((id) => id > newest)
    if (unknown.length > 0) return yield* newerVault(settings.filename, unknown)
    if (knownMigrationIds.every((id) => applied.includes(id))) return []
    const migrateUnderLock = Effect.gen(function* () {
      yield* sql`CREATE TABLE IF NOT EXISTS myco_lock (name TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL) STRICT`
      return yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO myco_lock (name, n) VALUES ('migrate', 1) ON CONFLICT (name) DO UPDATE SET n = n + 1`
          const done = yield* Migrator.make({})({ loader, table: MIGRATIONS_TABLE })
          return done.map(([id]) => id)
        })
      )
    })
    return yield* migrateUnderLock.pipe(
      // A migration that fails is a bug in myco: it dies rather than leave a half-made schema.
      Effect.catchTag("MigrationError", (e) => Effect.die(e)),
      mapSqlErrors("sqlite.migrate", settings.filename),
      retryTransient(settings.retry)
    )
  }
)

/**
 * Opens the vault database: the SQLite client, its pragmas and, when asked, pending migrations.
 * A file that cannot be opened is a ConfigError (permissions) or a SystemError (corrupt, not a
 * database), never a crash.
 */
export const layerDatabase = (
  options: DatabaseOptions
): Layer.Layer<SqlClient | SqliteClient.SqliteClient | DatabaseSettings, StoreFailure> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const client = yield* SqliteClient.make({ filename: options.filename }).pipe(
        Effect.andThen((sql) =>
          Effect.as(
            Effect.all([
              sql.unsafe(`PRAGMA busy_timeout = ${Math.floor(options.busyTimeoutMs)}`),
              sql.unsafe("PRAGMA foreign_keys = ON")
            ]),
            sql
          )
        ),
        mapSqlErrors("sqlite.open", options.filename)
      )
      const context = Context.make(SqliteClient.SqliteClient, client).pipe(
        Context.add(SqlClient, client),
        Context.add(DatabaseSettings, options)
      )
      if (options.migrate) yield* Effect.provide(migrate, context)
      return context
    })
  ).pipe(Layer.provide(Reactivity.layer))

const Millis = Schema.DateTimeUtcFromNumber
const NullableMillis = Schema.NullOr(Schema.DateTimeUtcFromNumber)

/** A `sessions` row as SQLite returns it. */
const SessionRow = Schema.Struct({
  id: SessionId,
  project_id: ProjectId,
  machine_id: MachineId,
  agent: AgentName,
  status: SessionStatus,
  version: Schema.Int,
  parent_id: Schema.NullOr(SessionId),
  created_at: Millis,
  updated_at: Millis,
  completed_at: NullableMillis,
  processed_at: NullableMillis,
  archived_at: NullableMillis,
  capabilities: Schema.String,
  boundary: Schema.String,
  cwd: Schema.NullOr(Schema.String),
  branch: Schema.NullOr(Schema.String),
  transcript_path: Schema.NullOr(Schema.String),
  title: Schema.NullOr(Schema.String),
  event_count: Schema.NonNegativeInt,
  late_event_count: Schema.NonNegativeInt
})

const decodeSessionRowShapes = Schema.decodeUnknownEither(Schema.Array(SessionRow))

/**
 * Decodes a JSON column, remembering the last few distinct texts: nearly every session of a vault
 * carries the same capabilities and boundary, so a list decodes each of them once, not per row.
 */
const memoizedJson = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = Schema.decodeUnknownEither(Schema.parseJson(schema))
  const cache = new Map<string, A>()
  return (text: string): Either.Either<A, ParseResult.ParseError> => {
    const hit = cache.get(text)
    if (hit !== undefined) return Either.right(hit)
    const decoded = decode(text)
    if (Either.isRight(decoded)) {
      if (cache.size >= 16) cache.clear()
      cache.set(text, decoded.right)
    }
    return decoded
  }
}
const decodeCapabilities = memoizedJson(Capabilities)
const decodeBoundary = memoizedJson(CaptureBoundary)

/** Decodes `sessions` rows into sessions, or fails on the first row that does not fit the schema. */
const decodeSessionRows = (rows: unknown): Effect.Effect<ReadonlyArray<Session>, ParseResult.ParseError> =>
  Effect.suspend(() => {
    const shapes = decodeSessionRowShapes(rows)
    if (Either.isLeft(shapes)) return Effect.fail(shapes.left)
    const sessions: Array<Session> = []
    for (const row of shapes.right) {
      const capabilities = decodeCapabilities(row.capabilities)
      if (Either.isLeft(capabilities)) return Effect.fail(capabilities.left)
      const boundary = decodeBoundary(row.boundary)
      if (Either.isLeft(boundary)) return Effect.fail(boundary.left)
      sessions.push(sessionFromRow(row, capabilities.right, boundary.right))
    }
    return Effect.succeed(sessions)
  })

// The row has been decoded field by field: building the class again would only re-check it.
const sessionFromRow = (row: typeof SessionRow.Type, capabilities: Capabilities, boundary: CaptureBoundary): Session =>
  new Session(
    {
      id: row.id,
      projectId: row.project_id,
      machineId: row.machine_id,
      agent: row.agent,
      status: row.status,
      version: row.version,
      parentId: row.parent_id,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      completedAt: row.completed_at,
      processedAt: row.processed_at,
      archivedAt: row.archived_at,
      capabilities,
      boundary,
      metadata: { cwd: row.cwd, branch: row.branch, transcriptPath: row.transcript_path, title: row.title },
      counters: { events: row.event_count, lateEvents: row.late_event_count }
    },
    true
  )

/** A `transitions` row as SQLite returns it. */
const TransitionRow = Schema.Struct({
  session_id: SessionId,
  version: Schema.Int,
  from_status: Schema.NullOr(SessionStatus),
  to_status: SessionStatus,
  command: Schema.Literal("create", ...TransitionCommand.literals),
  reason: Schema.String,
  actor: Schema.String,
  at: Millis
})
const decodeTransitionRows = Schema.decodeUnknown(Schema.Array(TransitionRow))

/** Decodes `transitions` rows into transition records. */
export const decodeTransitionRecords = (rows: unknown): Effect.Effect<ReadonlyArray<TransitionRecord>, ParseResult.ParseError> =>
  Effect.map(decodeTransitionRows(rows), (decoded) =>
    decoded.map(
      (r) =>
        new TransitionRecord(
          {
            sessionId: r.session_id,
            version: r.version,
            from: r.from_status,
            to: r.to_status,
            command: r.command,
            reason: r.reason,
            actor: r.actor,
            at: r.at
          },
          true
        )
    )
  )

/** An `events` row as SQLite returns it. */
const EventRow = Schema.Struct({
  session_id: SessionId,
  seq: Schema.Int,
  idempotency_id: IdempotencyId,
  kind: EventKind,
  at: Millis,
  received_at: Millis,
  late: Schema.transform(Schema.Literal(0, 1), Schema.Boolean, {
    strict: true,
    decode: (n) => n === 1,
    encode: (b) => (b ? 1 : 0)
  }),
  payload: Schema.parseJson()
})
const decodeEventRows = Schema.decodeUnknown(Schema.Array(EventRow))

/** Rows that do not match the schema mean the file was changed behind our back. */
const corruptRows =
  (filename: string, table: string) =>
  (error: ParseResult.ParseError): SystemError =>
    new SystemError({
      operation: `sqlite.read.${table}`,
      message: `unexpected data in table ${table}: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
      code: "MYCO_BAD_ROW",
      resource: filename
    })

const ms = (t: DateTime.Utc): number => DateTime.toEpochMillis(t)
const msOrNull = (t: DateTime.Utc | null): number | null => (t === null ? null : ms(t))

/** SessionStore on the vault database. */
export const layerSessionStore: Layer.Layer<SessionStore, never, SqlClient | DatabaseSettings> = Layer.effect(
  SessionStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const file = settings.filename
    const guard =
      (operation: string) =>
      <A, E, R>(self: Effect.Effect<A, E | SqlError, R>) =>
        self.pipe(mapSqlErrors(operation, file), retryTransient(settings.retry))

    const readSession = (id: SessionId) =>
      sql`SELECT * FROM sessions WHERE id = ${id}`.pipe(
        Effect.flatMap(decodeSessionRows),
        Effect.mapError((e) => (e instanceof ParseResult.ParseError ? corruptRows(file, "sessions")(e) : e)),
        Effect.map((sessions) => sessions[0])
      )

    const insertTransition = (r: TransitionRecord) =>
      sql`INSERT INTO transitions (session_id, version, from_status, to_status, command, reason, actor, at)
          VALUES (${r.sessionId}, ${r.version}, ${r.from}, ${r.to}, ${r.command}, ${r.reason}, ${r.actor}, ${ms(r.at)})`

    const create = (s: Session, record: TransitionRecord) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const inserted = yield* sql`INSERT INTO sessions (
                id, project_id, machine_id, agent, status, version, parent_id,
                created_at, updated_at, completed_at, processed_at, archived_at, last_activity_at,
                capabilities, boundary, cwd, branch, transcript_path, title
              ) VALUES (
                ${s.id}, ${s.projectId}, ${s.machineId}, ${s.agent}, ${s.status}, ${s.version}, ${s.parentId},
                ${ms(s.createdAt)}, ${ms(s.updatedAt)}, ${msOrNull(s.completedAt)}, ${msOrNull(s.processedAt)},
                ${msOrNull(s.archivedAt)}, ${ms(s.updatedAt)},
                ${JSON.stringify(s.capabilities)}, ${JSON.stringify(s.boundary)},
                ${s.metadata.cwd}, ${s.metadata.branch}, ${s.metadata.transcriptPath}, ${s.metadata.title}
              ) ON CONFLICT (id) DO NOTHING RETURNING id`
            if (inserted.length === 0) return yield* new SessionExists({ sessionId: s.id })
            yield* insertTransition(record)
          })
        )
        .pipe(guard("sqlite.session.create"))

    const get = (id: SessionId) =>
      readSession(id).pipe(
        Effect.flatMap((s) => (s === undefined ? Effect.fail(new SessionNotFound({ sessionId: id })) : Effect.succeed(s))),
        guard("sqlite.session.get")
      )

    const list = (filter: SessionFilter) => {
      const conditions = [
        ...(filter.status === undefined ? [] : [sql`status = ${filter.status}`]),
        ...(filter.agent === undefined ? [] : [sql`agent = ${filter.agent}`])
      ]
      const where = conditions.length === 0 ? sql`` : sql`WHERE ${sql.and(conditions)}`
      const limit = filter.limit === undefined ? sql`` : sql`LIMIT ${filter.limit}`
      return sql`SELECT * FROM sessions ${where} ORDER BY created_at DESC, id DESC ${limit}`.pipe(
        Effect.flatMap(decodeSessionRows),
        Effect.mapError((e) => (e instanceof ParseResult.ParseError ? corruptRows(file, "sessions")(e) : e)),
        guard("sqlite.session.list")
      )
    }

    const countByStatus = sql<{ readonly status: string; readonly n: number }>`SELECT status, count(*) AS n FROM sessions GROUP BY status`.pipe(
      Effect.map((rows) => {
        const counts = { active: 0, completed: 0, processed: 0, archived: 0 }
        for (const row of rows) {
          if (Schema.is(SessionStatus)(row.status)) counts[row.status] = row.n
        }
        return counts
      }),
      guard("sqlite.session.count")
    )

    const transition = (
      next: Session,
      expected: { readonly status: SessionStatus; readonly version: number },
      record: TransitionRecord
    ) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const updated = yield* sql`UPDATE sessions SET
                status = ${next.status}, version = ${next.version}, updated_at = ${ms(next.updatedAt)},
                completed_at = ${msOrNull(next.completedAt)}, processed_at = ${msOrNull(next.processedAt)},
                archived_at = ${msOrNull(next.archivedAt)},
                last_activity_at = max(last_activity_at, ${ms(next.updatedAt)})
              WHERE id = ${next.id} AND status = ${expected.status} AND version = ${expected.version}
              RETURNING id`
            if (updated.length === 0) {
              const current = yield* readSession(next.id)
              return yield* current === undefined
                ? Effect.fail(new SessionNotFound({ sessionId: next.id }))
                : Effect.fail(
                    new VersionConflict({
                      sessionId: next.id,
                      expectedStatus: expected.status,
                      expectedVersion: expected.version,
                      actualStatus: current.status,
                      actualVersion: current.version
                    })
                  )
            }
            yield* insertTransition(record)
          })
        )
        .pipe(guard("sqlite.session.transition"))

    const history = (id: SessionId) =>
      sql`SELECT * FROM transitions WHERE session_id = ${id} ORDER BY version`.pipe(
        Effect.flatMap(decodeTransitionRecords),
        Effect.mapError((e) => (e instanceof ParseResult.ParseError ? corruptRows(file, "transitions")(e) : e)),
        Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail(new SessionNotFound({ sessionId: id })) : Effect.succeed(rows))),
        guard("sqlite.session.history")
      )

    const idleSince = (before: DateTime.Utc) =>
      sql<{ readonly id: string }>`SELECT id FROM sessions WHERE status = 'active' AND last_activity_at < ${ms(before)}
          ORDER BY last_activity_at`.pipe(
        Effect.flatMap((rows) => Schema.decodeUnknown(Schema.Array(SessionId))(rows.map((r) => r.id))),
        Effect.mapError((e) => (e instanceof ParseResult.ParseError ? corruptRows(file, "sessions")(e) : e)),
        guard("sqlite.session.idle")
      )

    return SessionStore.of({ create, get, list, countByStatus, transition, idleSince, history })
  })
)

/**
 * Whether an event arriving now is late: it happened after its session left `active`. An event of
 * a completed session that happened before the completion (a hook that ran concurrently with the
 * session's end and was delivered after it) is not late: it only arrived late.
 */
const isLate = (session: { readonly status: string; readonly completedAt: number | null }, atMs: number): boolean =>
  session.status !== "active" && !(session.status === "completed" && session.completedAt !== null && atMs <= session.completedAt)

/** EventStore on the vault database. */
export const layerEventStore: Layer.Layer<EventStore, never, SqlClient | DatabaseSettings> = Layer.effect(
  EventStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const file = settings.filename

    /**
     * One transaction for the whole batch, with five statements however many events: touch the
     * batch's sessions (a write first, see above; it also returns their status and last sequence
     * number), find the idempotency ids already stored, insert the new events with their sequence
     * numbers, and update each session's counters. Lists travel as one JSON parameter read with
     * json_each, so that each statement's text never changes and stays prepared.
     */
    const append = (events: ReadonlyArray<CapturedEvent>) =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const receivedAt = ms(yield* DateTime.now)
            const sessionIds = [...new Set(events.map((e) => e.sessionId))]
            const sessions = yield* sql<{
              readonly id: string
              readonly status: string
              readonly completed_at: number | null
              readonly last_event_seq: number
            }>`
              UPDATE sessions SET last_activity_at = max(last_activity_at, ${receivedAt})
              WHERE id IN (SELECT value FROM json_each(${JSON.stringify(sessionIds)}))
              RETURNING id, status, completed_at, last_event_seq`
            const state = new Map(
              sessions.map((s) => [s.id, { status: s.status, completedAt: s.completed_at, seq: s.last_event_seq, added: 0, addedLate: 0 }])
            )
            const missing = sessionIds.find((id) => !state.has(id))
            if (missing !== undefined) return yield* new SessionNotFound({ sessionId: missing })
            const stored = new Map<string, { readonly seq: number; readonly late: boolean }>()
            const found = yield* sql<{ readonly idempotency_id: string; readonly seq: number; readonly late: number }>`
              SELECT idempotency_id, seq, late FROM events
              WHERE idempotency_id IN (SELECT value FROM json_each(${JSON.stringify(events.map((e) => e.idempotencyId))}))`
            for (const row of found) stored.set(row.idempotency_id, { seq: row.seq, late: row.late === 1 })
            const outcomes: Array<AppendOutcome> = []
            const rows: Array<readonly [string, number, string, string, number, number, string]> = []
            for (const event of events) {
              const seen = stored.get(event.idempotencyId)
              if (seen !== undefined) {
                outcomes.push(new AppendOutcome({ idempotencyId: event.idempotencyId, seq: seen.seq, duplicate: true, late: seen.late }, true))
                continue
              }
              const session = state.get(event.sessionId)
              if (session === undefined) return yield* new SessionNotFound({ sessionId: event.sessionId })
              session.seq += 1
              session.added += 1
              const late = isLate(session, ms(event.at))
              if (late) session.addedLate += 1
              // A repeat inside this same batch is a duplicate of the first.
              stored.set(event.idempotencyId, { seq: session.seq, late })
              outcomes.push(new AppendOutcome({ idempotencyId: event.idempotencyId, seq: session.seq, duplicate: false, late }, true))
              rows.push([event.sessionId, session.seq, event.idempotencyId, event.kind, ms(event.at), late ? 1 : 0, JSON.stringify(event.payload) ?? "null"])
            }
            if (rows.length > 0) {
              yield* sql`INSERT INTO events (session_id, seq, idempotency_id, kind, at, received_at, late, payload)
                SELECT value->>0, value->>1, value->>2, value->>3, value->>4, ${receivedAt}, value->>5, value->>6
                FROM json_each(${JSON.stringify(rows)})`
              const counters = [...state].filter(([, s]) => s.added > 0).map(([id, s]) => [id, s.seq, s.added, s.addedLate])
              yield* sql`UPDATE sessions SET last_event_seq = c.value->>1, event_count = event_count + (c.value->>2),
                  late_event_count = late_event_count + (c.value->>3)
                FROM json_each(${JSON.stringify(counters)}) AS c WHERE sessions.id = c.value->>0`
            }
            return outcomes
          })
        )
        .pipe(mapSqlErrors("sqlite.events.append", file), retryTransient(settings.retry))

    const list = (id: SessionId, options: { readonly afterSeq?: number; readonly limit?: number }) =>
      sql`SELECT * FROM events WHERE session_id = ${id} AND seq > ${options.afterSeq ?? 0}
          ORDER BY seq LIMIT ${options.limit ?? -1}`.pipe(
        Effect.flatMap(decodeEventRows),
        Effect.mapError((e) => (e instanceof ParseResult.ParseError ? corruptRows(file, "events")(e) : e)),
        Effect.map((rows) =>
          rows.map(
            (r) =>
              new StoredEvent(
                {
                  sessionId: r.session_id,
                  seq: r.seq,
                  idempotencyId: r.idempotency_id,
                  kind: r.kind,
                  at: r.at,
                  receivedAt: r.received_at,
                  late: r.late,
                  payload: r.payload
                },
                true
              )
          )
        ),
        mapSqlErrors("sqlite.events.list", file),
        retryTransient(settings.retry)
      )

    const seen = (idempotencyId: IdempotencyId) =>
      sql<{ readonly found: number }>`SELECT count(*) AS found FROM events WHERE idempotency_id = ${idempotencyId}`.pipe(
        Effect.map((rows) => (rows[0]?.found ?? 0) > 0),
        mapSqlErrors("sqlite.events.seen", file),
        retryTransient(settings.retry)
      )

    const appendUnattributed = (event: UnattributedEvent) =>
      Effect.flatMap(DateTime.now, (now) =>
        sql<{ readonly idempotency_id: string }>`INSERT INTO unattributed (idempotency_id, agent, event, at, received_at, reason, payload)
          VALUES (${event.idempotencyId}, ${event.agent}, ${event.event}, ${ms(event.at)}, ${ms(now)}, ${event.reason},
            ${JSON.stringify(event.payload) ?? "null"})
          ON CONFLICT (idempotency_id) DO NOTHING RETURNING idempotency_id`
      ).pipe(
        Effect.map((rows) => ({ duplicate: rows.length === 0 })),
        mapSqlErrors("sqlite.unattributed.append", file),
        retryTransient(settings.retry)
      )

    const unattributedSummary = sql<{
      readonly count: number
      readonly agent: string | null
      readonly event: string | null
      readonly reason: string | null
      readonly received_at: number | null
    }>`
      SELECT (SELECT count(*) FROM unattributed) AS count, agent, event, reason, received_at
      FROM (SELECT 1) LEFT JOIN (SELECT agent, event, reason, received_at FROM unattributed ORDER BY received_at DESC LIMIT 1)`.pipe(
      Effect.map((rows) => {
        const row = rows[0]
        return {
          count: row?.count ?? 0,
          newest:
            row === undefined || row.agent === null || row.event === null || row.reason === null || row.received_at === null
              ? null
              : { agent: row.agent, event: row.event, reason: row.reason, receivedAt: DateTime.unsafeMake(row.received_at) }
        }
      }),
      mapSqlErrors("sqlite.unattributed.summary", file),
      retryTransient(settings.retry)
    )

    return EventStore.of({ append, list, seen, appendUnattributed, unattributedSummary })
  })
)
