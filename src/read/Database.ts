/**
 * The vault database, opened read-only by the read path with better-sqlite3 directly: a WAL
 * reader, which never blocks the supervisor or the CLI writing at the same time, and never writes
 * (the full CLI opens it read-write, sets WAL mode and applies pending migrations: a database whose
 * migrations are not exactly this myco's is left to it). The statements are the full CLI's stores'
 * own (store/sqlite/SessionStore.ts, EventStore.ts), so the rows come back in the same order.
 */
import Database from "better-sqlite3"
import type { EventFields, SessionFields, SessionStatusName, TransitionFields } from "../lean/Documents.js"
import { eventOfRow, sessionRowReader, transitionOfRow } from "./Rows.js"

/**
 * The migrations of the vault's schema this myco knows (store/sqlite/Migrations.ts;
 * test/read/Database.test.ts keeps the two lists equal). The read path reads only a database at
 * exactly these.
 */
export const KNOWN_MIGRATIONS: ReadonlyArray<number> = [1, 2, 3, 4, 5]

/** Why the read path does not answer: the full CLI should. */
export interface Refusal {
  readonly refused: string
}

export const isRefusal = (u: unknown): u is Refusal => typeof u === "object" && u !== null && "refused" in u

const refuse = (refused: string): Refusal => ({ refused })

/** Only SQLite's own failures are the full CLI's to report (busy, corrupt, not a database, ...). */
const sqliteRefusal = (error: unknown): Refusal => {
  if (error instanceof Database.SqliteError) return refuse(`SQLite: ${error.code}`)
  throw error
}

/** What `myco session list` asks for. */
export interface SessionFilter {
  readonly status: SessionStatusName | undefined
  readonly agent: string | undefined
  readonly limit: number | undefined
}

/** The vault database, open for reading. */
export interface ReadDatabase {
  readonly listSessions: (filter: SessionFilter) => ReadonlyArray<SessionFields> | Refusal
  /** The session, `null` when there is none with this id. */
  readonly getSession: (id: string) => SessionFields | null | Refusal
  readonly history: (id: string) => ReadonlyArray<TransitionFields> | Refusal
  readonly events: (id: string) => ReadonlyArray<EventFields> | Refusal
  readonly close: () => void
}

/** Every row through `read`, or a refusal at the first one it does not take. */
const readAll = <A>(rows: ReadonlyArray<unknown>, read: (row: unknown) => A | undefined, table: string): ReadonlyArray<A> | Refusal => {
  const out: Array<A> = []
  for (const row of rows) {
    const value = read(row)
    if (value === undefined) return refuse(`a ${table} row the store would not decode`)
    out.push(value)
  }
  return out
}

/** Opens `file` read-only with `busyTimeoutMs` (myco.yaml `store.busy_timeout_ms`), at this myco's migrations. */
export const openReadDatabase = (file: string, busyTimeoutMs: number): ReadDatabase | Refusal => {
  let db: Database.Database
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs })
  } catch (error) {
    return sqliteRefusal(error)
  }
  const guarded = <A>(run: () => A | Refusal): A | Refusal => {
    try {
      return run()
    } catch (error) {
      return sqliteRefusal(error)
    }
  }
  const migrations = guarded(() => db.prepare("SELECT migration_id FROM myco_migrations ORDER BY migration_id").pluck().all())
  if (isRefusal(migrations) || migrations.length !== KNOWN_MIGRATIONS.length || migrations.some((id, i) => id !== KNOWN_MIGRATIONS[i])) {
    db.close()
    return isRefusal(migrations) ? migrations : refuse("the database is not at this myco's migrations")
  }

  const listSessions = (filter: SessionFilter) =>
    guarded(() => {
      const conditions: Array<string> = []
      const params: Array<string | number> = []
      if (filter.status !== undefined) {
        conditions.push("status = ?")
        params.push(filter.status)
      }
      if (filter.agent !== undefined) {
        conditions.push("agent = ?")
        params.push(filter.agent)
      }
      const where = conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`
      const limit = filter.limit === undefined ? "" : " LIMIT ?"
      if (filter.limit !== undefined) params.push(filter.limit)
      const rows = db.prepare(`SELECT * FROM sessions${where} ORDER BY created_at DESC, id DESC${limit}`).all(...params)
      return readAll(rows, sessionRowReader(), "sessions")
    })

  const getSession = (id: string) =>
    guarded((): SessionFields | null | Refusal => {
      const row: unknown = db.prepare("SELECT * FROM sessions WHERE id = ?").get(id)
      if (row === undefined) return null
      return sessionRowReader()(row) ?? refuse("a sessions row the store would not decode")
    })

  const history = (id: string) =>
    guarded(() => readAll(db.prepare("SELECT * FROM transitions WHERE session_id = ? ORDER BY version").all(id), transitionOfRow, "transitions"))

  const events = (id: string) =>
    guarded(() => readAll(db.prepare("SELECT * FROM events WHERE session_id = ? AND seq > 0 ORDER BY seq").all(id), eventOfRow, "events"))

  return { listSessions, getSession, history, events, close: () => void db.close() }
}
