import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Either, Layer } from "effect"
import { CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { AgentName, MachineId, ProjectId, SessionId } from "../../src/domain/Ids.js"
import { applyTransition, createSession, type Session } from "../../src/domain/Session.js"
import { EventStore, SessionStore } from "../../src/store/SessionStore.js"
import { layerDatabase, layerEventStore, layerSessionStore } from "../../src/store/sqlite/Sqlite.js"
import { tempProject } from "../support/cli.js"

const storeLayer = (filename: string, options?: { busyTimeoutMs?: number; attempts?: number }) =>
  Layer.mergeAll(layerSessionStore, layerEventStore).pipe(
    Layer.provideMerge(
      layerDatabase({
        filename,
        busyTimeoutMs: options?.busyTimeoutMs ?? 1000,
        retry: { attempts: options?.attempts ?? 3, baseDelayMs: 5 },
        migrate: true
      })
    )
  )

const at = (ms: number) => DateTime.unsafeMake(1_790_000_000_000 + ms)

const makeSession = (id: string, options?: { agent?: string; ms?: number; parent?: string }) =>
  createSession(
    {
      id: SessionId.make(id),
      projectId: ProjectId.make("00000000-0000-4000-8000-000000000001"),
      machineId: MachineId.make("00000000-0000-4000-8000-000000000002"),
      agent: AgentName.make(options?.agent ?? "cli"),
      parentId: options?.parent === undefined ? null : SessionId.make(options.parent),
      capabilities: { capture: true, intelligence: false },
      boundary: {
        root: "/project",
        outsideScope: "record",
        excludePaths: [".env"],
        redactSecrets: true,
        maxFieldBytes: 1024,
        maxEventBytes: 4096
      },
      metadata: { cwd: "/project", branch: "main", transcriptPath: null, title: `t-${id}` }
    },
    at(options?.ms ?? 0),
    "test",
    "test"
  )

const step = (session: Session, command: "complete" | "reopen" | "process" | "archive" | "restore", ms: number) =>
  Either.getOrThrow(applyTransition(session, command, at(ms), `${command} in test`, "test"))

const event = (id: string, session: string, payload: unknown = { n: id }, atMs = 5) =>
  new CapturedEvent({
    idempotencyId: IdempotencyId.make(id),
    sessionId: SessionId.make(session),
    kind: EventKind.make("prompt"),
    at: at(atMs),
    payload
  })

const withDb = <A, E>(f: (file: string) => Effect.Effect<A, E, SessionStore | EventStore>) =>
  Effect.suspend(() => {
    const project = tempProject()
    const file = path.join(project.dir, "myco.db")
    return f(file).pipe(Effect.provide(storeLayer(file)), Effect.ensuring(Effect.sync(project.cleanup)))
  })

describe("SQLite session store", () => {
  it.effect("stores, reads back and lists sessions exactly", () =>
    withDb(() =>
      Effect.gen(function* () {
        const store = yield* SessionStore
        const [a, aCreated] = makeSession("a", { ms: 1, agent: "codex" })
        const [b, bCreated] = makeSession("b", { ms: 2, parent: "a" })
        yield* store.create(a, aCreated)
        yield* store.create(b, bCreated)
        expect(yield* store.get(SessionId.make("a"))).toEqual(a)
        expect((yield* store.get(SessionId.make("b"))).parentId).toBe("a")
        expect((yield* store.list({})).map((s) => s.id)).toEqual(["b", "a"])
        expect((yield* store.list({ agent: AgentName.make("codex") })).map((s) => s.id)).toEqual(["a"])
        expect((yield* store.list({ limit: 1 })).map((s) => s.id)).toEqual(["b"])
        yield* store.transition(...(() => { const [n, r] = step(a, "complete", 3); return [n, a, r] as const })())
        expect((yield* store.list({ status: "completed" })).map((s) => s.id)).toEqual(["a"])
        expect(yield* store.countByStatus).toEqual({ active: 1, completed: 1, processed: 0, archived: 0 })
        const again = yield* Effect.flip(store.create(a, aCreated))
        expect(again._tag).toBe("SessionExists")
        const missing = yield* Effect.flip(store.get(SessionId.make("zzz")))
        expect(missing._tag).toBe("SessionNotFound")
      })
    )
  )

  it.effect("a transition is compare-and-set: a stale expectation is a VersionConflict and changes nothing", () =>
    withDb(() =>
      Effect.gen(function* () {
        const store = yield* SessionStore
        const [s, created] = makeSession("s")
        yield* store.create(s, created)
        const [completed, record] = step(s, "complete", 1)
        yield* store.transition(completed, s, record)
        // A second writer that read the session before the first wrote it loses.
        const conflict = yield* Effect.flip(store.transition(completed, s, record))
        expect(conflict._tag).toBe("VersionConflict")
        if (conflict._tag === "VersionConflict") {
          expect(conflict.actualVersion).toBe(2)
          expect(conflict.actualStatus).toBe("completed")
        }
        const history = yield* store.history(s.id)
        expect(history.map((h) => `${h.version}:${h.command}`)).toEqual(["1:create", "2:complete"])
        expect(history[1]?.reason).toBe("complete in test")
        expect((yield* store.get(s.id)).version).toBe(2)
        const notFound = yield* Effect.flip(store.history(SessionId.make("nope")))
        expect(notFound._tag).toBe("SessionNotFound")
      })
    )
  )

  it.effect("the transition history is append-only in the database itself", () =>
    withDb((file) =>
      Effect.gen(function* () {
        const store = yield* SessionStore
        const [s, created] = makeSession("s")
        yield* store.create(s, created)
        const raw = new Database(file)
        try {
          expect(() => raw.prepare("UPDATE transitions SET reason = 'rewritten'").run()).toThrow(/append-only/)
          expect(() => raw.prepare("DELETE FROM transitions").run()).toThrow(/append-only/)
        } finally {
          raw.close()
        }
        expect((yield* store.history(s.id))[0]?.reason).toBe("test")
      })
    )
  )
})

describe("idle sessions", () => {
  it.effect("are the active ones whose last creation, transition or event is older than the cutoff", () =>
    withDb(() =>
      Effect.gen(function* () {
        const sessions = yield* SessionStore
        const [old, oldCreated] = makeSession("old", { ms: 0 })
        const [fresh, freshCreated] = makeSession("fresh", { ms: 100 })
        const [done, doneCreated] = makeSession("done", { ms: 0 })
        const [reopened, reopenedCreated] = makeSession("reopened", { ms: 0 })
        for (const [s, r] of [[old, oldCreated], [fresh, freshCreated], [done, doneCreated], [reopened, reopenedCreated]] as const) {
          yield* sessions.create(s, r)
        }
        const [doneNext, doneRecord] = step(done, "complete", 1)
        yield* sessions.transition(doneNext, done, doneRecord)
        const [r1, r1Record] = step(reopened, "complete", 1)
        yield* sessions.transition(r1, reopened, r1Record)
        const [r2, r2Record] = step(r1, "reopen", 120)
        yield* sessions.transition(r2, r1, r2Record)
        expect(yield* sessions.idleSince(at(50))).toEqual(["old"])
        expect(yield* sessions.idleSince(at(200))).toEqual(["old", "fresh", "reopened"])
      })
    )
  )
})

describe("SQLite event store", () => {
  it.effect("numbers events per session, stores a duplicate once, and flags late events without reopening", () =>
    withDb(() =>
      Effect.gen(function* () {
        const sessions = yield* SessionStore
        const events = yield* EventStore
        const [s, created] = makeSession("s")
        const [other, otherCreated] = makeSession("o")
        yield* sessions.create(s, created)
        yield* sessions.create(other, otherCreated)
        const first = yield* events.append([event("e1", "s"), event("e2", "s"), event("x1", "o")])
        expect(first.map((o) => [o.seq, o.duplicate, o.late])).toEqual([
          [1, false, false],
          [2, false, false],
          [1, false, false]
        ])
        // A replay of e2 is acknowledged with its original place and not stored again.
        const replay = yield* events.append([event("e2", "s", { changed: true }), event("e3", "s")])
        expect(replay.map((o) => [o.seq, o.duplicate])).toEqual([
          [2, true],
          [3, false]
        ])
        const [completed, record] = step(s, "complete", 10)
        yield* sessions.transition(completed, s, record)
        // Happened after the completion (at 10): late. Happened before it, arrived after: not late.
        const late = yield* events.append([event("e4", "s", { n: "e4" }, 20), event("e5", "s", { n: "e5" }, 9)])
        expect(late.map((o) => [o.seq, o.late])).toEqual([
          [4, true],
          [5, false]
        ])
        const stored = yield* events.list(s.id, {})
        expect(stored.map((e) => [e.seq, e.idempotencyId, e.late])).toEqual([
          [1, "e1", false],
          [2, "e2", false],
          [3, "e3", false],
          [4, "e4", true],
          [5, "e5", false]
        ])
        expect(stored[1]?.payload).toEqual({ n: "e2" })
        const after = yield* sessions.get(s.id)
        expect(after.status).toBe("completed")
        expect(after.counters).toEqual({ events: 5, lateEvents: 1 })
        expect((yield* events.list(s.id, { afterSeq: 2, limit: 1 })).map((e) => e.seq)).toEqual([3])
        const unknown = yield* Effect.flip(events.append([event("z1", "nope")]))
        expect(unknown._tag).toBe("SessionNotFound")
      })
    )
  )
})

describe("SQLite failures", () => {
  it.live("a database held busy by another connection is a TransientError after bounded retries", () =>
    Effect.gen(function* () {
      const project = tempProject()
      const file = path.join(project.dir, "myco.db")
      // Create the schema first, then hold the write lock from another connection.
      yield* Effect.provide(Effect.void, storeLayer(file))
      const holder = new Database(file)
      holder.prepare("BEGIN IMMEDIATE").run()
      const [s, created] = makeSession("s")
      const failure = yield* Effect.flip(
        Effect.flatMap(SessionStore, (store) => store.create(s, created)).pipe(
          Effect.provide(storeLayer(file, { busyTimeoutMs: 20, attempts: 2 }))
        )
      )
      expect(failure._tag).toBe("TransientError")
      if (failure._tag === "TransientError") expect(failure.code).toMatch(/^SQLITE_BUSY/)
      // Released during the backoff, the retry goes through.
      setTimeout(() => holder.prepare("COMMIT").run(), 100)
      yield* Effect.flatMap(SessionStore, (store) => store.create(s, created)).pipe(
        Effect.provide(storeLayer(file, { busyTimeoutMs: 20, attempts: 10 }))
      )
      holder.close()
      project.cleanup()
    })
  )

  it.live("a file that is not a database is a SystemError; a newer schema is a ConfigError", () =>
    Effect.gen(function* () {
      const project = tempProject()
      const garbage = path.join(project.dir, "garbage.db")
      fs.writeFileSync(garbage, Buffer.alloc(8192, 0x41))
      const corrupt = yield* Effect.flip(Effect.provide(Effect.void, storeLayer(garbage)))
      expect(corrupt._tag).toBe("SystemError")

      const newer = path.join(project.dir, "newer.db")
      yield* Effect.provide(Effect.void, storeLayer(newer))
      const raw = new Database(newer)
      raw.prepare("INSERT INTO myco_migrations (migration_id, name) VALUES (999, 'future')").run()
      raw.close()
      const tooNew = yield* Effect.flip(Effect.provide(Effect.void, storeLayer(newer)))
      expect(tooNew._tag).toBe("ConfigError")
      if (tooNew._tag === "ConfigError") expect(tooNew.message).toContain("newer myco")
      project.cleanup()
    })
  )

  it.live("migrations are applied once and opening again is a no-op", () =>
    Effect.gen(function* () {
      const project = tempProject()
      const file = path.join(project.dir, "m.db")
      yield* Effect.provide(Effect.void, storeLayer(file))
      yield* Effect.provide(Effect.void, storeLayer(file))
      const raw = new Database(file)
      const rows = raw.prepare("SELECT migration_id FROM myco_migrations").all()
      raw.close()
      expect(rows).toEqual([{ migration_id: 1 }, { migration_id: 2 }])
      project.cleanup()
    })
  )
})
