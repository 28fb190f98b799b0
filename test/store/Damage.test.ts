/**
 * The file watch of the vault database (src/store/sqlite/DatabaseFile.ts) on real SQLite files:
 * each damage shape done to the file under an open store is found at the next write, before it is
 * acknowledged; from then on every write fails at once with the same SystemError while reads still
 * work; the bounded quick check finds damaged pages that a cache would hide; an empty or missing
 * file is refused on open; and the emergency copy taken through the damaged store's own
 * connection holds everything it had committed.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect } from "effect"
import { CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { SessionId } from "../../src/domain/Ids.js"
import { EventStore } from "../../src/store/EventStore.js"
import { Maintenance } from "../../src/store/Maintenance.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores } from "../../src/store/sqlite/index.js"
import { compareIdentity, identityOf } from "../../src/store/sqlite/DatabaseFile.js"
import { tempProject } from "../support/cli.js"
import { makeSession } from "../support/sessions.js"

const PAGE = 4096

const storeLayer = (filename: string, options?: { readonly owner?: boolean; readonly create?: boolean }) =>
  layerStores({ filename, busyTimeoutMs: 1000, retry: { attempts: 2, baseDelayMs: 5 }, migrate: true, owner: options?.owner ?? true, create: options?.create ?? true })

const event = (session: string, n: number) =>
  new CapturedEvent({
    idempotencyId: IdempotencyId.make(`${session}-${n}`),
    sessionId: SessionId.make(session),
    kind: EventKind.make("prompt"),
    at: DateTime.unsafeMake(1_790_000_000_000 + n),
    payload: { n, text: "x".repeat(300) }
  })

/** A store with session `s` and `events` events, on a fresh file; the file's path. */
const seeded = (events: number) =>
  Effect.gen(function* () {
    const sessions = yield* SessionStore
    const store = yield* EventStore
    const [s, created] = makeSession("s")
    yield* sessions.create(s, created)
    for (let n = 1; n <= events; n += 50) yield* store.append(Array.from({ length: Math.min(50, events - n + 1) }, (_, k) => event("s", n + k)))
  })

/** Overwrites bytes of `file` in place (from the test: another process, as far as the store knows). */
const overwrite = (file: string, offset: number, bytes: Buffer) => {
  const fd = fs.openSync(file, "r+")
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset)
  } finally {
    fs.closeSync(fd)
  }
}

/** Every other page of `file` from its second on, filled with garbage. */
const damagePages = (file: string) => {
  const pages = Math.floor(fs.statSync(file).size / PAGE)
  for (let page = 1; page < pages; page += 2) overwrite(file, page * PAGE, Buffer.alloc(PAGE, 0x5a))
}

const withFile = <A, E, R>(f: (file: string, dir: string) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const project = tempProject("myco-damage-")
    return f(path.join(project.dir, "myco.db"), project.dir).pipe(Effect.ensuring(Effect.sync(project.cleanup)))
  })

/** The failure of the next append, and of the one after it. */
const nextTwoAppends = Effect.gen(function* () {
  const store = yield* EventStore
  const first = yield* Effect.flip(store.append([event("s", 10_001)]))
  const second = yield* Effect.flip(store.append([event("s", 10_002)]))
  return { first, second }
})

describe("the database file watch", () => {
  it("compares a file's identity with what was recorded", () => {
    const recorded = { dev: 1n, ino: 2n, size: 8192n, mtimeNs: 5n }
    expect(compareIdentity("f", recorded, recorded, true)._tag).toBe("Same")
    expect(compareIdentity("f", recorded, undefined, false)).toMatchObject({ code: "MYCO_DB_MISSING" })
    expect(compareIdentity("f", recorded, { ...recorded, ino: 3n }, false)).toMatchObject({ code: "MYCO_DB_REPLACED" })
    expect(compareIdentity("f", recorded, { ...recorded, size: 0n }, false)).toMatchObject({ code: "MYCO_DB_TRUNCATED" })
    // Grown, or written, by someone: foreign only where this process is the one writer.
    expect(compareIdentity("f", recorded, { ...recorded, size: 12288n, mtimeNs: 6n }, false)._tag).toBe("Same")
    expect(compareIdentity("f", recorded, { ...recorded, mtimeNs: 6n }, true)).toMatchObject({ code: "MYCO_DB_WRITTEN" })
  })

  it.live("a file truncated to 0 bytes: the next write fails before it is acknowledged, and every later one at once", () =>
    withFile((file) =>
      Effect.gen(function* () {
        yield* seeded(100)
        fs.truncateSync(file, 0)
        const { first, second } = yield* nextTwoAppends
        expect(first).toMatchObject({ _tag: "SystemError", code: "MYCO_DB_TRUNCATED", fix: "myco doctor --fix" })
        expect(second).toBe(first)
        // Reads still work, for the emergency copy.
        expect(yield* Effect.flatMap(EventStore, (s) => s.list(SessionId.make("s"), {}))).toHaveLength(101)
      }).pipe(Effect.provide(storeLayer(file)))
    )
  )

  it.live("a file deleted is found at the next write", () =>
    withFile((file) =>
      Effect.gen(function* () {
        yield* seeded(10)
        fs.rmSync(file)
        expect((yield* nextTwoAppends).first).toMatchObject({ _tag: "SystemError", code: "MYCO_DB_MISSING" })
      }).pipe(Effect.provide(storeLayer(file)))
    )
  )

  it.live("a file replaced by another database is found at the next write", () =>
    withFile((file, dir) => {
      const other = path.join(dir, "other.db")
      return Effect.gen(function* () {
        yield* seeded(10)
        yield* Effect.provide(Effect.void, storeLayer(other))
        fs.renameSync(other, file)
        expect((yield* nextTwoAppends).first).toMatchObject({ _tag: "SystemError", code: "MYCO_DB_REPLACED" })
      }).pipe(Effect.provide(storeLayer(file)))
    })
  )

  it.live("pages or the header overwritten in place are found at the next write of the supervisor, and by the quick check", () =>
    withFile((file) =>
      Effect.gen(function* () {
        yield* Effect.gen(function* () {
          yield* seeded(300)
          yield* Effect.flatMap(Maintenance, (m) => m.checkpoint)
          damagePages(file)
          expect((yield* nextTwoAppends).first).toMatchObject({ _tag: "SystemError", code: "MYCO_DB_WRITTEN" })
          const health = yield* Effect.flatMap(Maintenance, (m) => m.inspect(undefined))
          expect(health.damaged).toBe(true)
          expect(health.findings.join("\n")).toMatch(/quick_check|malformed|CORRUPT/)
        }).pipe(Effect.provide(storeLayer(file)))
      })
    )
  )

  it.live("a process that does not hold the vault sees in-place damage only through the quick check", () =>
    withFile((file) =>
      Effect.gen(function* () {
        yield* seeded(300)
        yield* Effect.flatMap(Maintenance, (m) => m.checkpoint)
        damagePages(file)
        const failure = yield* Effect.flip(Effect.flatMap(Maintenance, (m) => m.quickCheck))
        expect(failure).toMatchObject({ _tag: "SystemError" })
        expect(failure.message).toMatch(/damaged/)
        // Condemned: writes stop.
        expect((yield* nextTwoAppends).first).toBe(failure)
      }).pipe(Effect.provide(storeLayer(file, { owner: false })))
    )
  )

  it.live("the supervisor's own checkpoints, many of them, are never taken for damage", () =>
    withFile((file) =>
      Effect.gen(function* () {
        const store = yield* EventStore
        const maintenance = yield* Maintenance
        yield* seeded(1)
        // 200 KiB a commit: past 4 MiB of log a commit checkpoints by itself (and only then).
        let writes = 0
        for (let round = 0; round < 40; round++) {
          const before = identityOf(file)?.mtimeNs
          yield* store.append(Array.from({ length: 50 }, (_, k) => new CapturedEvent({ ...event("s", 100 + round * 50 + k), payload: { big: "y".repeat(4000) } })))
          yield* maintenance.verify
          if (identityOf(file)?.mtimeNs !== before) writes++
        }
        // Timed checkpoints in between are the supervisor's own too.
        for (let round = 0; round < 5; round++) {
          yield* store.append([event("s", 90_000 + round)])
          yield* maintenance.checkpoint
        }
        yield* maintenance.quickCheck
        // The log is brought back to 4 MiB each time it starts again, so that its size says when
        // to checkpoint: about every 4 MiB, not after every commit once it was that large.
        expect(writes).toBeGreaterThanOrEqual(1)
        expect(writes).toBeLessThanOrEqual(3)
        expect(fs.statSync(`${file}-wal`).size).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024)
      }).pipe(Effect.provide(storeLayer(file)))
    )
  )

  it.live("an empty database file is refused on open, and a missing one where it may not be created", () =>
    withFile((file) =>
      Effect.gen(function* () {
        const missing = yield* Effect.flip(Effect.provide(Effect.void, storeLayer(file, { create: false })))
        expect(missing).toMatchObject({ _tag: "ConfigError", fix: "myco doctor --fix" })
        fs.writeFileSync(file, "")
        const empty = yield* Effect.flip(Effect.provide(Effect.void, storeLayer(file)))
        expect(empty).toMatchObject({ _tag: "SystemError", code: "MYCO_DB_TRUNCATED", fix: "myco doctor --fix" })
      })
    )
  )

  it.live("the emergency copy of a truncated database, taken through its own connection, holds every committed row", () =>
    withFile((file, dir) =>
      Effect.gen(function* () {
        yield* seeded(200)
        fs.truncateSync(file, 0)
        yield* Effect.flip(Effect.flatMap(EventStore, (s) => s.append([event("s", 9999)])))
        const copy = yield* Effect.flatMap(Maintenance, (m) => m.emergencyCopy(path.join(dir, "emergency.db")))
        expect(copy._tag).toBe("Copied")
        const db = new Database(path.join(dir, "emergency.db"), { readonly: true })
        try {
          // The event whose commit found the damage was committed, not acknowledged: it is there too.
          expect(db.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 201 })
        } finally {
          db.close()
        }
        expect(fs.statSync(path.join(dir, "emergency.db")).mode & 0o777).toBe(0o600)
        expect(fs.existsSync(path.join(dir, "emergency.db-wal"))).toBe(false)
      }).pipe(Effect.provide(storeLayer(file)))
    )
  )
})
