/**
 * The storage ports' semantics, asserted once and run against both backends: the SQLite layers on
 * a real temp file and the memory layers. A memory store that passes these behaves, for its
 * callers, as the vault database does. SQLite-only matters (triggers, pragmas, migrations, busy
 * handling, Maintenance) are in Sqlite.test.ts.
 */
import * as path from "node:path"
import Database from "better-sqlite3"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, TestClock } from "effect"
import { CapturedEvent, EventKind, IdempotencyId, UnattributedEvent } from "../../src/domain/Event.js"
import { AgentName, SessionId } from "../../src/domain/Ids.js"
import { EventStore } from "../../src/store/EventStore.js"
import { layerStores as layerMemoryStores, MemoryState } from "../../src/store/memory/index.js"
import { RunStore } from "../../src/store/RunStore.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores as layerSqliteStores } from "../../src/store/sqlite/index.js"
import { tempProject } from "../support/cli.js"
import { at, makeSession, step } from "../support/sessions.js"

type Stores = SessionStore | EventStore | RunStore
type RunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled"

/** What a test may do besides the ports: put a run in place (no port writes runs yet). */
interface Seed {
  readonly run: (id: string, sessionId: string, status: RunStatus) => Effect.Effect<void>
}

interface Backend {
  readonly name: string
  readonly with: <A, E>(f: (seed: Seed) => Effect.Effect<A, E, Stores>) => Effect.Effect<A, unknown>
}

const sqlite: Backend = {
  name: "sqlite",
  with: (f) =>
    Effect.suspend(() => {
      const project = tempProject()
      const file = path.join(project.dir, "myco.db")
      const seed: Seed = {
        run: (id, sessionId, status) =>
          Effect.sync(() => {
            const raw = new Database(file)
            try {
              raw
                .prepare(
                  "INSERT INTO runs (id, session_id, task, harness, status, queued_at, started_at) VALUES (?, ?, 'summary', 'builtin', ?, 1, ?)"
                )
                .run(id, sessionId, status, status === "queued" ? null : 2)
            } finally {
              raw.close()
            }
          })
      }
      const layer = layerSqliteStores({ filename: file, busyTimeoutMs: 1000, retry: { attempts: 3, baseDelayMs: 5 }, migrate: true })
      return f(seed).pipe(Effect.provide(layer), Effect.ensuring(Effect.sync(project.cleanup)))
    })
}

const memory: Backend = {
  name: "memory",
  with: (f) =>
    Effect.gen(function* () {
      const state = yield* MemoryState
      const seed: Seed = {
        run: (id, sessionId, status) =>
          Effect.sync(() => {
            state.runs.set(id, {
              id,
              sessionId,
              task: "summary",
              capability: "title-summary",
              harness: "builtin",
              status,
              attempt: 1,
              priority: 0,
              queuedAt: 1,
              startedAt: status === "queued" ? null : 2,
              endedAt: null,
              failureClass: null,
              failure: null,
              diagnostics: {},
              limits: null,
              usage: null,
              result: null
            })
          })
      }
      return yield* f(seed)
    }).pipe(Effect.provide(layerMemoryStores))
}


const event = (id: string, session: string, payload: unknown = { n: id }, atMs = 5) =>
  new CapturedEvent({
    idempotencyId: IdempotencyId.make(id),
    sessionId: SessionId.make(session),
    kind: EventKind.make("prompt"),
    at: at(atMs),
    payload
  })

const unattributed = (id: string, reason: string) =>
  new UnattributedEvent({
    idempotencyId: IdempotencyId.make(id),
    agent: "codex",
    event: "Stop",
    at: at(1),
    reason,
    payload: { raw: id }
  })

describe.each([sqlite, memory])("$name stores", (backend) => {
  describe("session store", () => {
    it.effect("stores, reads back and lists sessions exactly", () =>
      backend.with(() =>
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
          const [completed, record] = step(a, "complete", 3)
          yield* store.transition(completed, a, record)
          expect(yield* store.get(a.id)).toEqual(completed)
          expect((yield* store.list({ status: "completed" })).map((s) => s.id)).toEqual(["a"])
          expect(yield* store.countByStatus).toEqual({ active: 1, completed: 1, processed: 0, archived: 0 })
          const again = yield* Effect.flip(store.create(a, aCreated))
          expect(again._tag).toBe("SessionExists")
          const missing = yield* Effect.flip(store.get(SessionId.make("zzz")))
          expect(missing._tag).toBe("SessionNotFound")
        })
      )
    )

    it.effect("sessions created at the same instant list by id, newest first", () =>
      backend.with(() =>
        Effect.gen(function* () {
          const store = yield* SessionStore
          for (const id of ["m", "z", "a"]) {
            const [s, r] = makeSession(id, { ms: 7 })
            yield* store.create(s, r)
          }
          expect((yield* store.list({})).map((s) => s.id)).toEqual(["z", "m", "a"])
        })
      )
    )

    it.effect("a transition is compare-and-set: a stale expectation is a VersionConflict and changes nothing", () =>
      backend.with(() =>
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
          const [ghost, ghostCreated] = makeSession("ghost")
          const [ghostNext, ghostRecord] = step(ghost, "complete", 1)
          expect(ghostCreated.version).toBe(1)
          const gone = yield* Effect.flip(store.transition(ghostNext, ghost, ghostRecord))
          expect(gone._tag).toBe("SessionNotFound")
        })
      )
    )

    it.effect("idle sessions are the active ones whose last creation, transition or event is older than the cutoff", () =>
      backend.with(() =>
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

    it.effect("an event batch counts as activity, at the time it is received", () =>
      backend.with(() =>
        Effect.gen(function* () {
          const sessions = yield* SessionStore
          const events = yield* EventStore
          const [s, created] = makeSession("s", { ms: 0 })
          yield* sessions.create(s, created)
          yield* TestClock.setTime(DateTime.toEpochMillis(at(300)))
          yield* events.append([event("e1", "s")])
          expect(yield* sessions.idleSince(at(200))).toEqual([])
          expect(yield* sessions.idleSince(at(301))).toEqual(["s"])
        })
      )
    )
  })

  describe("event store", () => {
    it.effect("numbers events per session, stores a duplicate once, and flags late events without reopening", () =>
      backend.with(() =>
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
          expect(yield* events.list(SessionId.make("nope"), {})).toEqual([])
          const unknown = yield* Effect.flip(events.append([event("z1", "nope")]))
          expect(unknown._tag).toBe("SessionNotFound")
        })
      )
    )

    it.effect("a repeat inside one batch is a duplicate of the first; a batch naming an unknown session stores nothing", () =>
      backend.with(() =>
        Effect.gen(function* () {
          const sessions = yield* SessionStore
          const events = yield* EventStore
          const [s, created] = makeSession("s")
          yield* sessions.create(s, created)
          const outcomes = yield* events.append([event("d1", "s"), event("d1", "s", { again: true })])
          expect(outcomes.map((o) => [o.seq, o.duplicate])).toEqual([
            [1, false],
            [1, true]
          ])
          const refused = yield* Effect.flip(events.append([event("d2", "s"), event("d3", "nope")]))
          expect(refused._tag).toBe("SessionNotFound")
          expect(yield* events.seen(IdempotencyId.make("d1"))).toBe(true)
          expect(yield* events.seen(IdempotencyId.make("d2"))).toBe(false)
          expect((yield* sessions.get(s.id)).counters).toEqual({ events: 1, lateEvents: 0 })
        })
      )
    )

    it.effect("an event of a processed session is late whenever it happened", () =>
      backend.with(() =>
        Effect.gen(function* () {
          const sessions = yield* SessionStore
          const events = yield* EventStore
          const [s, created] = makeSession("s")
          yield* sessions.create(s, created)
          const [completed, r1] = step(s, "complete", 10)
          yield* sessions.transition(completed, s, r1)
          const [processed, r2] = step(completed, "process", 11)
          yield* sessions.transition(processed, completed, r2)
          const outcomes = yield* events.append([event("p1", "s", null, 1)])
          expect(outcomes.map((o) => o.late)).toEqual([true])
          expect((yield* sessions.get(s.id)).counters).toEqual({ events: 1, lateEvents: 1 })
        })
      )
    )

    it.effect("payloads come back as JSON", () =>
      backend.with(() =>
        Effect.gen(function* () {
          const sessions = yield* SessionStore
          const events = yield* EventStore
          const [s, created] = makeSession("s")
          yield* sessions.create(s, created)
          yield* events.append([event("j1", "s", { kept: [1, "two", null], dropped: undefined }), new CapturedEvent({ ...event("j2", "s"), payload: undefined })])
          const stored = yield* events.list(s.id, {})
          expect(stored.map((e) => e.payload)).toEqual([{ kept: [1, "two", null] }, null])
          expect(stored[0]?.receivedAt).toEqual(DateTime.unsafeMake(0))
        })
      )
    )

    it.effect("unattributed events are kept once each and summarised", () =>
      backend.with(() =>
        Effect.gen(function* () {
          const events = yield* EventStore
          expect(yield* events.unattributedSummary).toEqual({ count: 0, newest: null })
          expect(yield* events.appendUnattributed(unattributed("u1", "no session id"))).toEqual({ duplicate: false })
          yield* TestClock.setTime(5)
          expect(yield* events.appendUnattributed(unattributed("u2", "unknown contract"))).toEqual({ duplicate: false })
          expect(yield* events.appendUnattributed(unattributed("u1", "no session id"))).toEqual({ duplicate: true })
          expect(yield* events.unattributedSummary).toEqual({
            count: 2,
            newest: { agent: "codex", event: "Stop", reason: "unknown contract", receivedAt: DateTime.unsafeMake(5) }
          })
          // Unattributed events are not session events.
          expect(yield* events.seen(IdempotencyId.make("u1"))).toBe(false)
        })
      )
    )
  })

  describe("run store", () => {
    it.effect("runs a crash left running are queued again; the others stay as they are", () =>
      backend.with((seed) =>
        Effect.gen(function* () {
          const sessions = yield* SessionStore
          const runs = yield* RunStore
          const [s, created] = makeSession("s")
          yield* sessions.create(s, created)
          expect(yield* runs.requeueInterrupted).toEqual([])
          yield* seed.run("r1", "s", "running")
          yield* seed.run("r2", "s", "succeeded")
          yield* seed.run("r3", "s", "running")
          yield* seed.run("r4", "s", "queued")
          expect([...(yield* runs.requeueInterrupted)].sort()).toEqual(["r1", "r3"])
          expect(yield* runs.requeueInterrupted).toEqual([])
        })
      )
    )
  })
})
