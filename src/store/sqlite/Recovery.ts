/**
 * Recovering a damaged vault database (what `myco doctor --fix` runs, holding the vault lock): a
 * fresh database is made with the current migrations and filled with every row that can be read
 * (Salvage.ts) from, in this order, the supervisor's emergency backup of the damage, when it took
 * one (made through its own connection, it may hold what the file no longer does), and the damaged
 * file with its write-ahead log. Only then is the damaged file (and its `-wal`, `-shm`) moved aside
 * to `backups/damaged-<time>.db` and the rebuilt one put in its place; nothing is ever deleted.
 *
 * Reading never touches the damaged files themselves: they are copied into a private scratch
 * directory first, and read there (SQLite writes beside a database it opens). A copy whose header
 * was overwritten gets a new header, made from what the rest of the file says (its page size, read
 * from its log or from the first page), so that its schema and tables can be read again. The
 * damaged file is read twice: through SQLite, table by table, and then page by page
 * (PageScan.ts), which finds the rows that damaged schema or interior pages no longer lead to.
 *
 * An older backup is never merged in: it predates changes made since, which it would bring back.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { Effect } from "effect"
import { SystemError } from "../../domain/Failure.js"
import { freshDatabase } from "./Database.js"
import { type ColumnShape, scanPages } from "./PageScan.js"
import { errorText, isRow, type ReadRows, SALVAGED_TABLES, type SalvageReport, type SalvageSource, salvageInto, type SourceRow } from "./Salvage.js"

/** What to recover. */
export interface RecoveryOptions {
  /** The vault database (`.myco/myco.db`); it may be missing. */
  readonly db: string
  /** Where the damaged file goes, and the scratch directory is made (`.myco/backups`). */
  readonly backups: string
  /**
   * The supervisor's emergency backup of this damage, if it took one, and, for a salvage, how many
   * rows each table had (null: unknown) where it was salvaged from.
   */
  readonly emergencyBackup: { readonly file: string; readonly originalCounts?: ReadonlyMap<string, number | null> } | null
  /** Names the files of this recovery: `damaged-<stamp>.db`. */
  readonly stamp: string
  /**
   * The file at `db` is not the database that was damaged (that one was deleted or replaced
   * under the supervisor): it is kept aside like the rest, but none of its rows are taken.
   */
  readonly foreignFile: boolean
}

/** How one source could be read. */
export interface SourceState {
  readonly label: string
  /** `read`, `header rebuilt` (then read), or why it could not be read at all. */
  readonly state: string
}

/** What a recovery did. */
export interface RecoveryReport {
  /** Where the damaged files were moved (the database first), empty when there was none. */
  readonly keptAside: ReadonlyArray<string>
  readonly sources: ReadonlyArray<SourceState>
  readonly salvage: SalvageReport
}

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1")
const WAL_MAGICS = [0x377f0682, 0x377f0683]
const PAGE_SIZES = [4096, 1024, 2048, 8192, 16384, 32768, 65536, 512]

const failure = (message: string, resource?: string) =>
  new SystemError({ operation: "sqlite.recover", message, ...(resource === undefined ? {} : { resource }) })

/** The page size a write-ahead log's header names, if the file is one. */
const walPageSize = (wal: string): number | undefined => {
  if (!fs.existsSync(wal)) return undefined
  const header = Buffer.alloc(32)
  const fd = fs.openSync(wal, "r")
  try {
    if (fs.readSync(fd, header, 0, 32, 0) < 32) return undefined
  } finally {
    fs.closeSync(fd)
  }
  const size = header.readUInt32BE(8)
  return WAL_MAGICS.includes(header.readUInt32BE(0)) && PAGE_SIZES.includes(size) ? size : undefined
}

/**
 * Gives `file` (a scratch copy, open nowhere) a new 100-byte database header when its own is not
 * one: the page size from its log or from the first page's b-tree header (which follows the
 * database header and is whole when only the header was overwritten), no free list, UTF-8.
 * Returns false when the first page itself is not a b-tree page (then nothing can be read).
 */
export const rebuildHeader = (file: string, wal: string): boolean => {
  const fd = fs.openSync(file, "r+")
  try {
    const size = fs.fstatSync(fd).size
    const start = Buffer.alloc(108)
    if (fs.readSync(fd, start, 0, 108, 0) < 108) return false
    if (start.subarray(0, 16).equals(SQLITE_MAGIC)) return true
    // The first page of a database is a table b-tree page: a leaf (13) or an interior page (5).
    if (start[100] !== 0x0d && start[100] !== 0x05) return false
    const pageSize = walPageSize(wal) ?? PAGE_SIZES.find((p) => size % p === 0 && size >= p)
    if (pageSize === undefined) return false
    const header = Buffer.alloc(100)
    SQLITE_MAGIC.copy(header, 0)
    header.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16)
    const walMode = fs.existsSync(wal) ? 2 : 1
    header[18] = walMode
    header[19] = walMode
    header[20] = 0
    header[21] = 64
    header[22] = 32
    header[23] = 32
    header.writeUInt32BE(1, 24) // change counter
    header.writeUInt32BE(Math.floor(size / pageSize), 28) // size in pages
    header.writeUInt32BE(0, 32) // no free list trunk
    header.writeUInt32BE(0, 36) // no free pages
    header.writeUInt32BE(1, 40) // schema cookie
    header.writeUInt32BE(4, 44) // schema format
    header.writeUInt32BE(1, 56) // UTF-8
    header.writeUInt32BE(1, 92) // version-valid-for: the change counter
    header.writeUInt32BE(3_045_000, 96)
    fs.writeSync(fd, header, 0, 100, 0)
    return true
  } finally {
    fs.closeSync(fd)
  }
}

/** A source on a scratch copy: opened read-write (so that SQLite can read its log), read defensively. */
const openSource = (file: string): { readonly db: Database.Database; readonly read: ReadRows } => {
  const db = new Database(file)
  db.pragma("wal_autocheckpoint = 0")
  const read: ReadRows = (text, params) =>
    Effect.try({
      try: () => db.prepare(text).all(...params).filter(isRow).map((row): SourceRow => row),
      catch: (cause) => cause
    })
  return { db, read }
}

/** The columns of the salvaged tables in the database `file` (the rebuilt one: the current schema). */
const columnShapes = (file: string): ReadonlyMap<string, ReadonlyArray<ColumnShape>> => {
  const db = new Database(file, { readonly: true })
  try {
    return new Map(
      SALVAGED_TABLES.map((t) => [
        t.name,
        db
          .prepare(`SELECT name, type, "notnull" AS not_null FROM pragma_table_info('${t.name}')`)
          .all()
          .filter(isRow)
          .map((row) => ({ name: String(row["name"]), type: String(row["type"]), notNull: row["not_null"] === 1 }))
      ])
    )
  } finally {
    db.close()
  }
}

/** Whether a source's schema can be read at all. */
const schemaReadable = (db: Database.Database): string | undefined => {
  try {
    db.prepare("SELECT count(*) FROM sqlite_master").get()
    return undefined
  } catch (cause) {
    return errorText(cause)
  }
}

const copyIfThere = (from: string, to: string): boolean => {
  if (!fs.existsSync(from)) return false
  fs.copyFileSync(from, to)
  fs.chmodSync(to, 0o600)
  return true
}

/** Moves `from` to `to` if it is there (0600); returns whether it did. */
const moveIfThere = (from: string, to: string): boolean => {
  if (!fs.existsSync(from)) return false
  fs.renameSync(from, to)
  fs.chmodSync(to, 0o600)
  return true
}

/** Rebuilds the vault database from every readable row; see the header of this module. */
export const recoverDatabase = (options: RecoveryOptions): Effect.Effect<RecoveryReport, SystemError> =>
  Effect.gen(function* () {
    const scratch = path.join(options.backups, `.recovery-${options.stamp}`)
    const attempt = <A>(what: string, f: () => A) =>
      Effect.try({ try: f, catch: (cause) => failure(`cannot ${what}: ${errorText(cause)}`, options.db) })
    yield* attempt(`make the scratch directory ${scratch}`, () => {
      fs.mkdirSync(options.backups, { recursive: true, mode: 0o700 })
      fs.mkdirSync(scratch, { mode: 0o700 })
      fs.chmodSync(scratch, 0o700)
    })
    return yield* Effect.gen(function* () {
      const opened: Array<Database.Database> = []
      const sources: Array<SalvageSource> = []
      const states: Array<SourceState> = []
      const aside = path.join(options.backups, `damaged-${options.stamp}.db`)

      const rebuilt = path.join(scratch, "rebuilt.db")
      yield* freshDatabase(rebuilt).pipe(Effect.mapError((e) => failure(`cannot make the new database: ${e.message}`, rebuilt)))
      const shapes = yield* attempt(`read the schema of ${rebuilt}`, () => columnShapes(rebuilt))

      const addSource = (
        label: string,
        original: string,
        copy: string,
        options: { readonly withLog: boolean; readonly scanPages: boolean; readonly originalCounts?: ReadonlyMap<string, number | null> }
      ) =>
        attempt(`copy ${original}`, () => {
          copyIfThere(original, copy)
          if (options.withLog) copyIfThere(`${original}-wal`, `${copy}-wal`)
          // Its pages as they are, before SQLite opens the copy (and folds the log into it).
          const scanned = options.scanPages ? scanPages(copy, `${copy}-wal`, shapes) : undefined
          const addScanned = () => {
            if (scanned === undefined) return
            sources.push({ _tag: "Pages", label: `${label}, page by page`, rows: scanned.rows })
            states.push({ label: `${label}, page by page`, state: `${scanned.pages} pages scanned, ${scanned.leafPages} of them table leaves` })
          }
          const { originalCounts } = options
          let state = "read"
          let source = openSource(copy)
          let problem = schemaReadable(source.db)
          if (problem !== undefined) {
            source.db.close()
            if (rebuildHeader(copy, `${copy}-wal`)) {
              source = openSource(copy)
              problem = schemaReadable(source.db)
              state = "header rebuilt, then read"
            }
          }
          if (problem !== undefined) {
            source.db.close()
            states.push({ label, state: `unreadable: ${problem}` })
            addScanned()
            return
          }
          opened.push(source.db)
          sources.push({ _tag: "Sql", label, read: source.read, ...(originalCounts === undefined ? {} : { originalCounts }) })
          states.push({ label, state })
          addScanned()
        })

      const emergency = options.emergencyBackup
      if (emergency !== null) {
        const label = `${emergency.file} (the supervisor's emergency backup)`
        if (fs.existsSync(emergency.file)) {
          yield* addSource(label, emergency.file, path.join(scratch, "emergency.db"), {
            withLog: false,
            scanPages: false,
            ...(emergency.originalCounts === undefined ? {} : { originalCounts: emergency.originalCounts })
          })
        }
        else states.push({ label, state: "missing" })
      }
      if (!fs.existsSync(options.db)) states.push({ label: `${options.db} (the damaged database)`, state: "missing: it was deleted" })
      else if (options.foreignFile) states.push({ label: `${aside} (what stood at its path)`, state: "not read: it is not the database that was in use (that one was deleted or replaced)" })
      else yield* addSource(`${aside} (the damaged database)`, options.db, path.join(scratch, "damaged.db"), { withLog: true, scanPages: true })

      const salvage = yield* salvageInto(rebuilt, sources).pipe(Effect.ensuring(Effect.sync(() => opened.forEach((db) => db.close()))))

      // The damaged files aside (never deleted), the rebuilt one in their place.
      const keptAside = yield* attempt(`move ${options.db} aside`, () =>
        ["", "-wal", "-shm"].flatMap((suffix) => (moveIfThere(`${options.db}${suffix}`, `${aside}${suffix}`) ? [`${aside}${suffix}`] : []))
      )
      yield* attempt(`put the rebuilt database in place of ${options.db}`, () => {
        fs.renameSync(rebuilt, options.db)
        fs.chmodSync(options.db, 0o600)
        for (const suffix of ["-wal", "-shm"]) fs.rmSync(`${rebuilt}${suffix}`, { force: true })
      })
      return { keptAside, sources: states, salvage }
    }).pipe(Effect.ensuring(Effect.sync(() => fs.rmSync(scratch, { recursive: true, force: true }))))
  })
