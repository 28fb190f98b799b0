/**
 * The SessionStore port on the vault database: `sessions` rows and the append-only `transitions`
 * history. Transitions are compare-and-set on (status, version), so a lost race is a
 * VersionConflict, never a silent overwrite. Rows are decoded with Schema: a row that does not fit
 * means the file was changed behind our back (a SystemError).
 */
import { SqlClient } from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { type DateTime, Effect, Either, Layer, ParseResult, Schema } from "effect"
import { SessionExists, SessionNotFound, VersionConflict } from "../../domain/Errors.js"
import { AgentName, MachineId, ProjectId, SessionId } from "../../domain/Ids.js"
import {
  Capabilities,
  CaptureBoundary,
  Session,
  SessionStatus,
  TransitionCommand,
  TransitionRecord
} from "../../domain/Session.js"
import { SessionStore, type SessionFilter } from "../SessionStore.js"
import { retryTransient } from "../StoreFailure.js"
import { Millis, ms, msOrNull, NullableMillis } from "./Columns.js"
import { DatabaseFile, DatabaseSettings, guardRead, guardWrite } from "./Database.js"
import { corruptRows, mapSqlErrors } from "./SqliteErrors.js"

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

/** SessionStore on the vault database. */
export const layerSessionStore: Layer.Layer<SessionStore, never, SqlClient | DatabaseSettings | DatabaseFile> = Layer.effect(
  SessionStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const watch = yield* DatabaseFile
    const file = settings.filename
    const guard =
      (operation: string) =>
      <A, E, R>(self: Effect.Effect<A, E | SqlError, R>) =>
        self.pipe(mapSqlErrors(operation, file), retryTransient(settings.retry), guardRead(watch))
    const guardWriting =
      (operation: string) =>
      <A, E, R>(self: Effect.Effect<A, E | SqlError, R>) =>
        self.pipe(mapSqlErrors(operation, file), retryTransient(settings.retry), guardWrite(watch, operation))

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
        .pipe(guardWriting("sqlite.session.create"))

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
        .pipe(guardWriting("sqlite.session.transition"))

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
