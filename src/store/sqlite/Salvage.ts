/**
 * Salvage: every readable row of one or more damaged copies of the vault database, copied into a
 * fresh database made by the current migrations. Used by `myco doctor --fix` (from the damaged
 * file and the supervisor's emergency backup) and by the supervisor itself when its emergency
 * backup of a damaged database fails (from its own connection, whose cache may hold what the file
 * no longer does).
 *
 * Reading is defensive: each table is read in rowid order, a chunk at a time; a chunk that fails
 * is read again row by row up to the failure; past a damaged part of the table's b-tree the next
 * readable rowid is found by probing forward (doubling the step) and then bisecting back to where
 * the readable part starts. What lies under a damaged interior page cannot be reached this way
 * and is lost (counted, when the table can still be counted).
 *
 * Sources are merged in the order given, the first one winning a row both have, except a
 * session, where the row with the higher version wins (a session row changes; the others are
 * written once). A row of a session that was not recovered (a transition, an event, a run) is not
 * kept: it could not be shown, and a later event of that session would collide with it. A row that
 * does not fit the current schema (types, checks) is not kept either. Everything is counted.
 */
import Database from "better-sqlite3"
import { Effect } from "effect"
import { SystemError } from "../../domain/Failure.js"

/** A row as a source returns it. */
export type SourceRow = { readonly [column: string]: unknown }

/** Reads rows from a source; fails on whatever the source cannot read. */
export type ReadRows = (sql: string, params: ReadonlyArray<number>) => Effect.Effect<ReadonlyArray<SourceRow>, unknown>

/**
 * One copy of the database to salvage from: one read through SQLite (`Sql`), or rows already
 * read off its pages (`Pages`, see PageScan.ts), by table, in rowid order.
 */
export type SalvageSource = SqlSource | PagesSource

/** Rows found on a file's pages, by table. */
export interface PagesSource {
  readonly _tag: "Pages"
  readonly label: string
  readonly rows: ReadonlyMap<string, ReadonlyArray<SourceRow>>
}

/** A copy read through SQLite. */
export interface SqlSource {
  readonly _tag: "Sql"
  /** How the report names it (a path, "the supervisor's connection"). */
  readonly label: string
  readonly read: ReadRows
  /**
   * How many rows each table had where this copy came from, when its own `count(*)` does not say
   * (a salvage holds what could be read, not what there was): null for unknown. Absent: count it.
   */
  readonly originalCounts?: ReadonlyMap<string, number | null>
}

/** What one source gave of one table. */
export interface SourceTableReport {
  readonly source: string
  /** Rows read. */
  readonly read: number
  /** `count(*)` of the table in this source, when it could be counted. */
  readonly counted: number | null
  /** Damaged parts skipped (each one a run of rows that could not be read). */
  readonly skipped: number
  /** The table could not be read at all (its schema, or its first page, is damaged), or is not in this source. */
  readonly unreadable: string | null
}

/** What was salvaged of one table. */
export interface TableReport {
  readonly table: string
  /** Rows in the rebuilt table. */
  readonly recovered: number
  /**
   * Rows known to be lost, at least: the largest count a source gave (for events and transitions,
   * also what the recovered sessions' own counters say they had), less what was recovered; null
   * when nothing could count them.
   */
  readonly lost: number | null
  readonly sources: ReadonlyArray<SourceTableReport>
  /** Rows read but not kept, by reason. */
  readonly dropped: ReadonlyArray<{ readonly reason: string; readonly count: number }>
}

/** What a salvage did. */
export interface SalvageReport {
  readonly tables: ReadonlyArray<TableReport>
  /** Sessions that name a parent session which was not recovered (kept, their link as it was). */
  readonly orphanedChildren: number
}

/** How the rows of a table are told apart, and which of two copies of a row wins. */
interface TableSpec {
  readonly name: string
  /** The conflict target of an upsert, for the tables whose newer row wins. */
  readonly upsert?: { readonly key: string; readonly newer: string }
  /** Its rows belong to a session, which must have been recovered. */
  readonly ofSession: boolean
}

/** The tables salvaged, in the order they are copied (sessions first: the others refer to them). */
export const SALVAGED_TABLES: ReadonlyArray<TableSpec> = [
  { name: "sessions", upsert: { key: "id", newer: "version" }, ofSession: false },
  { name: "transitions", ofSession: true },
  { name: "events", ofSession: true },
  { name: "unattributed", ofSession: false },
  { name: "runs", ofSession: true },
  { name: "refusals", upsert: { key: "agent", newer: "count" }, ofSession: false }
]

/** Rows read per statement. */
const CHUNK = 256
/** Past this step, probing for the next readable rowid gives up: the rest of the table is unreachable. */
const MAX_PROBE_STEP = 2 ** 48

type Bindable = number | string | bigint | Buffer | null

const isBindable = (u: unknown): u is Bindable =>
  u === null || typeof u === "number" || typeof u === "string" || typeof u === "bigint" || Buffer.isBuffer(u)

export const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

export const errorText = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string"
    ? u.message + ("cause" in u && u.cause instanceof Error && u.cause.message !== u.message ? `: ${u.cause.message}` : "")
    : String(u)

/** Any object a driver returned is a row: its values are unknown until read. */
export const isRow = (u: unknown): u is SourceRow => typeof u === "object" && u !== null

const rowidOf = (row: SourceRow): number | undefined => {
  const value = row["__rowid"]
  return typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : undefined
}

/** A number from a one-row, one-column answer. */
const single = (rows: ReadonlyArray<SourceRow>, column: string): number | null => {
  const value = rows[0]?.[column]
  return typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : null
}

/**
 * Every readable row of `table` in `source`, in rowid order, handed to `take` a chunk at a time.
 * Returns how many rows were read and how many damaged parts were skipped.
 */
const readTable = (
  source: SqlSource,
  table: string,
  columns: ReadonlyArray<string>,
  take: (rows: ReadonlyArray<SourceRow>) => Effect.Effect<void, SystemError>
): Effect.Effect<{ readonly read: number; readonly skipped: number }, SystemError> =>
  Effect.gen(function* () {
    const select = `SELECT rowid AS "__rowid", ${columns.map(quote).join(", ")} FROM ${quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT ?`
    const firstAtOrAfter = `SELECT rowid AS "__rowid" FROM ${quote(table)} WHERE rowid >= ? ORDER BY rowid LIMIT 1`
    const readable = (rowid: number) => Effect.either(source.read(firstAtOrAfter, [rowid]))
    // The tables' rowids are SQLite's own, from 1 up.
    let after = 0
    let read = 0
    let skipped = 0
    for (;;) {
      const chunk = yield* Effect.either(source.read(select, [after, CHUNK]))
      if (chunk._tag === "Right") {
        if (chunk.right.length === 0) break
        const last = rowidOf(chunk.right[chunk.right.length - 1] ?? {})
        if (last === undefined) break
        yield* take(chunk.right)
        read += chunk.right.length
        after = last
        continue
      }
      // Row by row up to the damaged part.
      let failedAt: number | undefined
      for (;;) {
        const one = yield* Effect.either(source.read(select, [after, 1]))
        if (one._tag === "Left") {
          failedAt = after
          break
        }
        const row = one.right[0]
        const rowid = row === undefined ? undefined : rowidOf(row)
        if (row === undefined || rowid === undefined) break
        yield* take([row])
        read += 1
        after = rowid
      }
      if (failedAt === undefined) break
      skipped += 1
      // Which row failed? When its rowid can still be found, only that row's content is damaged
      // (an overflow page, say): skip it alone.
      const next = yield* readable(after + 1)
      if (next._tag === "Right") {
        const row = next.right[0]
        const rowid = row === undefined ? undefined : rowidOf(row)
        if (rowid === undefined) break
        after = rowid
        continue
      }
      // Else the tree itself is damaged there: probe forward, doubling, for a rowid whose part of
      // the tree can be read...
      let failing = after + 1
      let step = 2
      let found: number | undefined
      while (step <= MAX_PROBE_STEP) {
        const probe = after + step
        const at = yield* readable(probe)
        if (at._tag === "Right") {
          found = probe
          break
        }
        failing = probe
        step *= 2
      }
      if (found === undefined) break
      // ...then back to where that readable part starts (past `failing`: always forward).
      let low = failing
      let high = found
      while (high - low > 1) {
        const middle = low + Math.floor((high - low) / 2)
        if ((yield* readable(middle))._tag === "Right") high = middle
        else low = middle
      }
      const resume = yield* readable(high)
      if (resume._tag === "Left") break
      const first = resume.right[0]
      const firstRowid = first === undefined ? undefined : rowidOf(first)
      if (firstRowid === undefined) break
      after = firstRowid - 1
    }
    return { read, skipped }
  })

/** The columns of `table` (one of ours: its name is quoted as it is) in `source`, or why they cannot be read. */
const sourceColumns = (source: SqlSource, table: string) =>
  Effect.map(Effect.either(source.read(`SELECT name FROM pragma_table_info('${table}')`, [])), (answer) => {
    if (answer._tag === "Left") return { _tag: "Unreadable" as const, reason: `its schema cannot be read: ${errorText(answer.left)}` }
    const names = answer.right.map((row) => row["name"]).filter((n): n is string => typeof n === "string")
    return names.length === 0 ? { _tag: "Unreadable" as const, reason: "not in this copy" } : { _tag: "Columns" as const, names }
  })

const systemError = (destination: string, cause: unknown): SystemError =>
  new SystemError({ operation: "sqlite.salvage", message: `cannot write the rebuilt database ${destination}: ${errorText(cause)}`, resource: destination })

/**
 * Copies every readable row of `sources` into `destination`, a database the current migrations
 * made (and nothing else wrote), and brings the sessions' counters in line with the events kept.
 */
export const salvageInto = (destination: string, sources: ReadonlyArray<SalvageSource>): Effect.Effect<SalvageReport, SystemError> =>
  Effect.acquireUseRelease(
    Effect.try({ try: () => new Database(destination), catch: (cause) => systemError(destination, cause) }),
    (db) =>
      Effect.gen(function* () {
        const write = <A>(f: () => A) => Effect.try({ try: f, catch: (cause) => systemError(destination, cause) })
        // Rows are checked by hand against the sessions kept; the foreign keys would refuse
        // children whose parent session is not recovered, which are kept (see below).
        yield* write(() => db.pragma("foreign_keys = OFF"))
        const tables: Array<TableReport> = []
        // A session row keeps how many events and transitions it had: once the sessions are in,
        // that says how many rows of those tables there were (for the recovered sessions).
        const fromSessions = new Map<string, number>()
        for (const spec of SALVAGED_TABLES) {
          const columns = yield* write(() =>
            db
              .prepare(`SELECT name FROM pragma_table_info('${spec.name}')`)
              .all()
              .filter(isRow)
              .map((row) => row["name"])
              .filter((name): name is string => typeof name === "string")
          )
          const dropped = new Map<string, number>()
          const drop = (reason: string) => dropped.set(reason, (dropped.get(reason) ?? 0) + 1)
          const sourceReports: Array<SourceTableReport> = []
          for (const source of sources) {
            const found = source._tag === "Pages" ? { _tag: "Columns" as const, names: columns } : yield* sourceColumns(source, spec.name)
            if (found._tag === "Unreadable") {
              sourceReports.push({ source: source.label, read: 0, counted: null, skipped: 0, unreadable: found.reason })
              continue
            }
            const shared = columns.filter((c) => found.names.includes(c))
            const counted =
              source._tag === "Pages"
                ? null
                : source.originalCounts !== undefined
                  ? source.originalCounts.get(spec.name) ?? null
                  : yield* Effect.map(Effect.either(source.read(`SELECT count(*) AS n FROM ${quote(spec.name)}`, [])), (answer) =>
                      answer._tag === "Right" ? single(answer.right, "n") : null
                    )
            const insert = yield* write(() => {
              const list = shared.map(quote).join(", ")
              const values = shared.map(() => "?").join(", ")
              const text =
                spec.upsert === undefined
                  ? `INSERT INTO ${quote(spec.name)} (${list}) VALUES (${values})`
                  : `INSERT INTO ${quote(spec.name)} (${list}) VALUES (${values}) ON CONFLICT (${spec.upsert.key}) DO UPDATE SET ${shared
                      .map((c) => `${quote(c)} = excluded.${quote(c)}`)
                      .join(", ")} WHERE excluded.${spec.upsert.newer} > ${quote(spec.name)}.${spec.upsert.newer}`
              return db.prepare(text)
            })
            const sessionKnown = db.prepare("SELECT 1 FROM sessions WHERE id = ?")
            const take = (rows: ReadonlyArray<SourceRow>) =>
              write(() =>
                db.transaction(() => {
                  for (const row of rows) {
                    const values = shared.map((c) => row[c])
                    if (!values.every(isBindable)) {
                      drop("a value of a type SQLite does not store")
                      continue
                    }
                    const session = row["session_id"]
                    if (spec.ofSession && (typeof session !== "string" || sessionKnown.get(session) === undefined)) {
                      drop("its session was not recovered")
                      continue
                    }
                    try {
                      insert.run(...values)
                    } catch (cause) {
                      const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : ""
                      // Already there from an earlier source: not a loss.
                      if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") {
                        if (!isCopyOfKept(db, spec.name, row)) drop("another row holds its key")
                      } else {
                        drop(`it does not fit the table (${code || errorText(cause)})`)
                      }
                    }
                  }
                })()
              )
            if (source._tag === "Pages") {
              const rows = source.rows.get(spec.name) ?? []
              for (let at = 0; at < rows.length; at += CHUNK) yield* take(rows.slice(at, at + CHUNK))
              sourceReports.push({ source: source.label, read: rows.length, counted, skipped: 0, unreadable: null })
              continue
            }
            const outcome = yield* readTable(source, spec.name, shared, take)
            sourceReports.push({ source: source.label, read: outcome.read, counted, skipped: outcome.skipped, unreadable: null })
          }
          const recovered = yield* write(() => countOf(db, `SELECT count(*) AS n FROM ${quote(spec.name)}`))
          const counts = [...sourceReports.map((r) => r.counted), fromSessions.get(spec.name) ?? null].filter((n): n is number => n !== null)
          if (spec.name === "sessions") {
            fromSessions.set("events", yield* write(() => countOf(db, "SELECT coalesce(sum(event_count), 0) AS n FROM sessions")))
            fromSessions.set("transitions", yield* write(() => countOf(db, "SELECT coalesce(sum(version), 0) AS n FROM sessions")))
          }
          tables.push({
            table: spec.name,
            recovered,
            lost: counts.length === 0 ? null : Math.max(0, Math.max(...counts) - recovered),
            sources: sourceReports,
            dropped: [...dropped].map(([reason, count]) => ({ reason, count }))
          })
        }
        const orphanedChildren = yield* write(() => {
          // The counters follow the events that were kept, so that the next event of a session gets
          // a sequence number no kept event holds.
          db.exec(`UPDATE sessions SET
            event_count = (SELECT count(*) FROM events e WHERE e.session_id = sessions.id),
            late_event_count = (SELECT count(*) FROM events e WHERE e.session_id = sessions.id AND e.late = 1),
            last_event_seq = max(last_event_seq, coalesce((SELECT max(seq) FROM events e WHERE e.session_id = sessions.id), 0)),
            last_activity_at = max(last_activity_at, coalesce((SELECT max(received_at) FROM events e WHERE e.session_id = sessions.id), 0))`)
          return countOf(db, "SELECT count(*) AS n FROM sessions WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT id FROM sessions)")
        })
        const integrity = yield* write(() => db.pragma("integrity_check", { simple: true }))
        if (integrity !== "ok") return yield* systemError(destination, `the rebuilt database fails its integrity check: ${String(integrity)}`)
        return { tables, orphanedChildren }
      }),
    (db) => Effect.sync(() => db.close())
  )

/** The count a `SELECT count(*) AS n` gives. */
export const countOf = (db: Database.Database, text: string): number => {
  const row: unknown = db.prepare(text).get()
  return (isRow(row) ? single([row], "n") : null) ?? 0
}

/** Whether the destination holds this very row already (copied from an earlier source). */
const isCopyOfKept = (db: Database.Database, table: string, row: SourceRow): boolean => {
  const key =
    table === "events" || table === "unattributed"
      ? ["idempotency_id"]
      : table === "transitions"
        ? ["session_id", "version"]
        : table === "sessions" || table === "runs"
          ? ["id"]
          : ["agent"]
  const values = key.map((k) => row[k])
  if (!values.every(isBindable)) return false
  return db.prepare(`SELECT 1 FROM ${quote(table)} WHERE ${key.map((k) => `${quote(k)} = ?`).join(" AND ")}`).get(...values) !== undefined
}
