/**
 * The RunStore port on the vault database's `runs` table (see `Migrations.ts` for its columns):
 * diagnostics, limits, usage and the result are JSON text, decoded with their Schemas on the way
 * out, so that a damaged row is reported as such instead of reaching the CLI.
 */
import { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Layer, Schema } from "effect"
import { Run, RunDiagnosticsData, RunFailureClass, RunLimits, RunNotFound, RunStatus, RunUsage } from "../../domain/Run.js"
import { RunStore } from "../RunStore.js"
import { retryTransient } from "../StoreFailure.js"
import { DatabaseFile, DatabaseSettings, guardWrite } from "./Database.js"
import { corruptRows, mapSqlErrors } from "./SqliteErrors.js"

const RunRow = Schema.Struct({
  id: Schema.String,
  session_id: Schema.String,
  task: Schema.String,
  capability: Schema.String,
  harness: Schema.String,
  status: RunStatus,
  attempt: Schema.Int,
  priority: Schema.Int,
  queued_at: Schema.Number,
  started_at: Schema.NullOr(Schema.Number),
  ended_at: Schema.NullOr(Schema.Number),
  failure_class: Schema.NullOr(RunFailureClass),
  failure: Schema.NullOr(Schema.String),
  diagnostics: Schema.NullOr(Schema.parseJson(RunDiagnosticsData)),
  limits: Schema.NullOr(Schema.parseJson(RunLimits)),
  usage: Schema.NullOr(Schema.parseJson(RunUsage)),
  result: Schema.NullOr(Schema.parseJson())
})
const decodeRows = Schema.decodeUnknown(Schema.Array(RunRow))

const toRun = (r: typeof RunRow.Type): Run => ({
  id: r.id,
  sessionId: r.session_id,
  task: r.task,
  capability: r.capability,
  harness: r.harness === "" ? null : r.harness,
  status: r.status,
  attempt: r.attempt,
  priority: r.priority,
  queuedAt: r.queued_at,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  failureClass: r.failure_class,
  failure: r.failure,
  diagnostics: r.diagnostics ?? {},
  limits: r.limits,
  usage: r.usage,
  result: r.result ?? null
})

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value))

/** RunStore on the vault database. */
export const layerRunStore: Layer.Layer<RunStore, never, SqlClient | DatabaseSettings | DatabaseFile> = Layer.effect(
  RunStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient
    const settings = yield* DatabaseSettings
    const file = settings.filename
    const watch = yield* DatabaseFile

    const columns = sql.unsafe(
      "id, session_id, task, capability, harness, status, attempt, priority, queued_at, started_at, ended_at, failure_class, failure, diagnostics, limits, usage, result"
    )
    const decode = (rows: ReadonlyArray<unknown>) =>
      decodeRows(rows).pipe(
        Effect.map((rs) => rs.map(toRun)),
        Effect.mapError(corruptRows(file, "runs"))
      )
    const one = (id: string) => (rows: ReadonlyArray<Run>) => {
      const run = rows[0]
      return run === undefined ? Effect.fail(new RunNotFound({ runId: id })) : Effect.succeed(run)
    }

    const insert: RunStore["Type"]["insert"] = (run) =>
      sql`INSERT INTO runs (id, session_id, task, capability, harness, status, attempt, priority, queued_at)
          VALUES (${run.id}, ${run.sessionId}, ${run.task}, ${run.capability}, ${run.harness ?? ""}, 'queued', ${run.attempt}, ${run.priority}, ${run.queuedAt})
          RETURNING ${columns}`.pipe(
        mapSqlErrors("sqlite.runs.insert", file),
        retryTransient(settings.retry),
        guardWrite(watch, "sqlite.runs.insert"),
        Effect.flatMap(decode),
        Effect.flatMap((rows) => Effect.orDie(one(run.id)(rows)))
      )

    const start: RunStore["Type"]["start"] = (id, harness, limits, startedAt) =>
      sql`UPDATE runs SET status = 'running', harness = ${harness}, limits = ${JSON.stringify(limits)}, started_at = ${startedAt}
          WHERE id = ${id} RETURNING ${columns}`.pipe(
        mapSqlErrors("sqlite.runs.start", file),
        retryTransient(settings.retry),
        guardWrite(watch, "sqlite.runs.start"),
        Effect.flatMap(decode),
        Effect.flatMap(one(id))
      )

    const finish: RunStore["Type"]["finish"] = (id, end) =>
      sql`UPDATE runs SET status = ${end.status}, ended_at = ${end.endedAt}, failure_class = ${end.failureClass}, failure = ${end.failure},
            diagnostics = ${JSON.stringify(end.diagnostics)}, usage = ${json(end.usage)}, result = ${json(end.result)}
          WHERE id = ${id} RETURNING ${columns}`.pipe(
        mapSqlErrors("sqlite.runs.finish", file),
        retryTransient(settings.retry),
        guardWrite(watch, "sqlite.runs.finish"),
        Effect.flatMap(decode),
        Effect.flatMap(one(id))
      )

    const get: RunStore["Type"]["get"] = (id) =>
      sql`SELECT ${columns} FROM runs WHERE id = ${id}`.pipe(
        mapSqlErrors("sqlite.runs.get", file),
        retryTransient(settings.retry),
        Effect.flatMap(decode),
        Effect.flatMap(one(id))
      )

    const list: RunStore["Type"]["list"] = (query) => {
      const where = [
        ...(query.sessionId === undefined ? [] : [sql`session_id = ${query.sessionId}`]),
        ...(query.status === undefined ? [] : [sql`status = ${query.status}`])
      ]
      return sql`SELECT ${columns} FROM runs ${where.length === 0 ? sql`` : sql`WHERE ${sql.and(where)}`}
          ORDER BY queued_at DESC, rowid DESC LIMIT ${query.limit ?? -1}`.pipe(
        mapSqlErrors("sqlite.runs.list", file),
        retryTransient(settings.retry),
        Effect.flatMap(decode)
      )
    }

    // One statement: it is its own transaction, and a write, so the busy handler applies.
    const requeueInterrupted = sql<{ readonly id: string }>`UPDATE runs SET status = 'queued', started_at = NULL
        WHERE status = 'running' RETURNING id`.pipe(
      Effect.map((rows) => rows.map((r) => r.id)),
      mapSqlErrors("sqlite.runs.requeue", file),
      retryTransient(settings.retry),
      guardWrite(watch, "sqlite.runs.requeue")
    )

    return RunStore.of({ insert, start, finish, get, list, requeueInterrupted })
  })
)
