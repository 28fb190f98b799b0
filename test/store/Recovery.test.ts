/**
 * Rebuilding a damaged vault database (src/store/sqlite/Recovery.ts) on real SQLite files, with
 * no supervisor's emergency backup to help: what each shape of damage leaves readable, counted.
 * The header overwritten: everything (a new header is made). Pages overwritten: the rows of the
 * pages that survive, each table read past its damaged parts, and the loss counted where it can
 * be. Truncated to 0 bytes: nothing, said so. And with an emergency backup: the rows of both,
 * each once, the newer version of a session winning.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { CapturedEvent, EventKind, IdempotencyId, UnattributedEvent } from "../../src/domain/Event.js"
import { SessionId } from "../../src/domain/Ids.js"
import { EventStore } from "../../src/store/EventStore.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores } from "../../src/store/sqlite/index.js"
import { recoverDatabase, type RecoveryReport } from "../../src/store/sqlite/Recovery.js"
import { tempProject } from "../support/cli.js"
import { makeSession, step } from "../support/sessions.js"

const PAGE = 4096

const storeLayer = (filename: string) => layerStores({ filename, busyTimeoutMs: 1000, retry: { attempts: 2, baseDelayMs: 5 }, migrate: true })

const event = (session: string, n: number, size = 600) =>
  new CapturedEvent({
    idempotencyId: IdempotencyId.make(`${session}-${n}`),
    sessionId: SessionId.make(session),
    kind: EventKind.make("prompt"),
    at: DateTime.unsafeMake(1_790_000_000_000 + n),
    payload: { n, text: "x".repeat(size) }
  })

/** A closed database at `file` with sessions `ids`, `perSession` events each. */
const seed = (file: string, ids: ReadonlyArray<string>, perSession: number) =>
  Effect.gen(function* () {
    const sessions = yield* SessionStore
    const events = yield* EventStore
    for (const id of ids) {
      const [s, created] = makeSession(id)
      yield* sessions.create(s, created)
      for (let n = 1; n <= perSession; n += 100) yield* events.append(Array.from({ length: Math.min(100, perSession - n + 1) }, (_, k) => event(id, n + k)))
    }
  }).pipe(Effect.provide(storeLayer(file)))

const overwrite = (file: string, offset: number, bytes: Buffer) => {
  const fd = fs.openSync(file, "r+")
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset)
  } finally {
    fs.closeSync(fd)
  }
}

const recover = (dir: string, emergency: string | null = null) =>
  recoverDatabase({
    db: path.join(dir, "myco.db"),
    backups: path.join(dir, "backups"),
    emergencyBackup: emergency === null ? null : { file: emergency },
    stamp: "test",
    foreignFile: false
  })

const table = (report: RecoveryReport, name: string) => {
  const found = report.salvage.tables.find((t) => t.table === name)
  if (found === undefined) throw new Error(`no table ${name}`)
  return found
}

const count = (file: string, sql: string): unknown => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare(sql).get()
  } finally {
    db.close()
  }
}

const withDir = <A, E>(f: (dir: string) => Effect.Effect<A, E>) =>
  Effect.suspend(() => {
    const project = tempProject("myco-recovery-")
    return f(project.dir).pipe(Effect.ensuring(Effect.sync(project.cleanup)))
  })

describe("rebuilding a damaged database", () => {
  it.live("its header overwritten: a new header is made and every row comes back; the damaged file is kept aside", () =>
    withDir((dir) =>
      Effect.gen(function* () {
        const file = path.join(dir, "myco.db")
        yield* seed(file, ["a", "b"], 250)
        overwrite(file, 0, Buffer.alloc(100, 0x41))
        const report = yield* recover(dir)
        const damaged = `${path.join(dir, "backups", "damaged-test.db")} (the damaged database)`
        expect(report.sources).toEqual([
          { label: damaged, state: "header rebuilt, then read" },
          { label: `${damaged}, page by page`, state: expect.stringMatching(/^\d+ pages scanned, \d+ of them table leaves$/) }
        ])
        expect(table(report, "sessions")).toMatchObject({ recovered: 2, lost: 0 })
        expect(table(report, "transitions")).toMatchObject({ recovered: 2, lost: 0 })
        expect(table(report, "events")).toMatchObject({ recovered: 500, lost: 0 })
        expect(report.keptAside).toEqual([path.join(dir, "backups", "damaged-test.db")])
        expect(fs.readFileSync(path.join(dir, "backups", "damaged-test.db")).subarray(0, 4).toString()).toBe("AAAA")
        expect(count(file, "SELECT count(*) AS n, max(seq) AS last FROM events WHERE session_id = 'a'")).toEqual({ n: 250, last: 250 })
        expect(count(file, "SELECT event_count AS n, last_event_seq AS last FROM sessions WHERE id = 'a'")).toEqual({ n: 250, last: 250 })
        expect(fs.statSync(file).mode & 0o777).toBe(0o600)
        expect(fs.readdirSync(path.join(dir, "backups")).filter((f) => f.startsWith(".recovery"))).toEqual([])
      })
    )
  )

  it.live("every other data page overwritten: each table is read past its damaged parts; what could not be read is counted", () =>
    withDir((dir) =>
      Effect.gen(function* () {
        const file = path.join(dir, "myco.db")
        yield* seed(file, ["a", "b", "c"], 400)
        // The schema's pages (the first 24 of a database these migrations made) are spared.
        const pages = Math.floor(fs.statSync(file).size / PAGE)
        for (let page = 25; page < pages; page += 2) overwrite(file, page * PAGE, Buffer.alloc(PAGE, 0x5a))
        const report = yield* recover(dir)
        const events = table(report, "events")
        expect(table(report, "sessions")).toMatchObject({ recovered: 3, lost: 0 })
        expect(events.recovered).toBeGreaterThan(100)
        expect(events.recovered).toBeLessThan(1200)
        expect(events.sources[0]?.skipped).toBeGreaterThan(0)
        // The table cannot be counted, but the sessions say how many events they had.
        expect(events.sources[0]?.counted).toBeNull()
        expect(events.lost).toBe(1200 - events.recovered)
        // What was kept is whole, and the sessions' counters follow it.
        expect(count(file, "SELECT sum(event_count) AS n FROM sessions")).toEqual({ n: events.recovered })
        const check = new Database(file, { readonly: true })
        try {
          expect(check.pragma("integrity_check", { simple: true })).toBe("ok")
        } finally {
          check.close()
        }
      })
    )
  )

  it.live("every other page overwritten, the schema's too: the tables cannot be walked, and their rows are read off the pages that survive", () =>
    withDir((dir) =>
      Effect.gen(function* () {
        const file = path.join(dir, "myco.db")
        yield* seed(file, ["a", "b", "c"], 400)
        const pages = Math.floor(fs.statSync(file).size / PAGE)
        for (let page = 1; page < pages; page += 2) overwrite(file, page * PAGE, Buffer.alloc(PAGE, 0x5a))
        const report = yield* recover(dir)
        expect(report.sources[0]?.state).toMatch(/^unreadable: /)
        expect(report.sources[1]?.state).toMatch(/^\d+ pages scanned, \d+ of them table leaves$/)
        const events = table(report, "events")
        // Nothing can count the sessions; the sessions found say how many events and transitions there were.
        expect(table(report, "sessions")).toMatchObject({ recovered: 3, lost: null })
        expect(table(report, "transitions")).toMatchObject({ lost: 3 - table(report, "transitions").recovered })
        expect(events.recovered).toBeGreaterThan(100)
        expect(events.lost).toBe(1200 - events.recovered)
        // Each event kept is whole: its payload is the one that was written.
        const check = new Database(file, { readonly: true })
        try {
          const rows = check.prepare("SELECT idempotency_id AS id, payload FROM events").all()
          for (const row of rows) {
            if (typeof row !== "object" || row === null || !("id" in row) || !("payload" in row) || typeof row.payload !== "string") throw new Error("bad row")
            expect(JSON.parse(row.payload)).toEqual({ n: Number(String(row.id).split("-")[1]), text: "x".repeat(600) })
          }
          expect(check.pragma("integrity_check", { simple: true })).toBe("ok")
        } finally {
          check.close()
        }
      })
    )
  )

  it.live("truncated to 0 bytes: nothing can be read, and the report says so; the rebuilt database is empty and sound", () =>
    withDir((dir) =>
      Effect.gen(function* () {
        const file = path.join(dir, "myco.db")
        yield* seed(file, ["a"], 10)
        fs.truncateSync(file, 0)
        const report = yield* recover(dir)
        expect(table(report, "events").recovered).toBe(0)
        expect(table(report, "sessions").recovered).toBe(0)
        expect(report.sources[0]?.state).toBe("read")
        expect(count(file, "SELECT count(*) AS n FROM sessions")).toEqual({ n: 0 })
      })
    )
  )

  it.live("with an emergency backup: both are read, each row kept once, and the newer version of a session wins", () =>
    withDir((dir) =>
      Effect.gen(function* () {
        const file = path.join(dir, "myco.db")
        const emergency = path.join(dir, "emergency.db")
        yield* seed(file, ["a"], 20)
        fs.copyFileSync(file, emergency)
        // The backup knows more: the session completed, and five more events.
        yield* Effect.gen(function* () {
          const sessions = yield* SessionStore
          const [s] = makeSession("a")
          const [completed, record] = step(s, "complete", 100)
          yield* sessions.transition(completed, { status: "active", version: 1 }, record)
          yield* Effect.flatMap(EventStore, (events) => events.append(Array.from({ length: 5 }, (_, k) => event("a", 21 + k))))
        }).pipe(Effect.provide(storeLayer(emergency)))
        // The damaged file knows a row the backup does not (and the first twenty events, as it does).
        yield* Effect.flatMap(EventStore, (events) =>
          events.appendUnattributed(
            new UnattributedEvent({ idempotencyId: IdempotencyId.make("u-1"), agent: "codex", event: "Stop", at: DateTime.unsafeMake(1_790_000_000_000), reason: "no session", payload: null })
          )
        ).pipe(Effect.provide(storeLayer(file)))
        overwrite(file, 0, Buffer.alloc(100, 0x41))
        const report = yield* recover(dir, emergency)
        expect(report.sources.map((s) => s.state).slice(0, 2)).toEqual(["read", "header rebuilt, then read"])
        expect(table(report, "events")).toMatchObject({ recovered: 25, lost: 0, dropped: [] })
        expect(table(report, "transitions")).toMatchObject({ recovered: 2, lost: 0 })
        expect(table(report, "unattributed")).toMatchObject({ recovered: 1, lost: 0 })
        expect(count(file, "SELECT status, version, event_count AS n FROM sessions")).toEqual({ status: "completed", version: 2, n: 25 })
      })
    )
  )
})
