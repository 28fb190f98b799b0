/**
 * The read path takes the vault database's rows exactly as the full CLI's stores do: on generated
 * sessions, history rows and events written to a real SQLite file, its documents are the very
 * text the full CLI prints from its stores' decoding; a row the stores would not decode (a
 * database changed behind myco's back) is not taken either.
 */
import * as path from "node:path"
import Database from "better-sqlite3"
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, DateTime, Effect, FastCheck, Schema } from "effect"
import { CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { SessionId } from "../../src/domain/Ids.js"
import { Session, sessionToJson, TransitionRecord, transitionToJson } from "../../src/domain/Session.js"
import { eventsInEmittedOrder, jsonDocumentText, sessionJson, transitionJson } from "../../src/lean/Documents.js"
import { eventOfRow, sessionRowReader, transitionOfRow } from "../../src/read/Rows.js"
import { EventStore } from "../../src/store/EventStore.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores } from "../../src/store/sqlite/index.js"
import { tempProject } from "../support/cli.js"
import { makeSession } from "../support/sessions.js"

const SAMPLES = 40

const storeLayer = (filename: string) => layerStores({ filename, busyTimeoutMs: 1000, retry: { attempts: 3, baseDelayMs: 5 }, migrate: true })

/** Runs `f` on a fresh database file with the real SQLite stores. */
const withDb = <A, E>(f: (file: string) => Effect.Effect<A, E, SessionStore | EventStore>) =>
  Effect.suspend(() => {
    const project = tempProject()
    const file = path.join(project.dir, "myco.db")
    return f(file).pipe(Effect.provide(storeLayer(file)), Effect.ensuring(Effect.sync(project.cleanup)))
  })

const rawRows = (file: string, sql: string, ...params: ReadonlyArray<string>): ReadonlyArray<unknown> => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare(sql).all(...params)
  } finally {
    db.close()
  }
}

const rawRun = (file: string, sql: string, ...params: ReadonlyArray<string | number | null>): void => {
  const db = new Database(file)
  try {
    // A database changed behind myco's back need not keep its foreign keys either.
    db.pragma("foreign_keys = OFF")
    db.prepare(sql).run(...params)
  } finally {
    db.close()
  }
}

const definedOrThrow = <A>(value: A | undefined, what: string): A => {
  if (value === undefined) throw new Error(`the read path refused ${what}`)
  return value
}

describe("the read path's rows", () => {
  it.effect("give the documents the stores' decoding gives, on generated sessions, history and events", () =>
    withDb((file) =>
      Effect.gen(function* () {
        const store = yield* SessionStore
        const events = yield* EventStore
        const sessions = FastCheck.sample(Arbitrary.make(Session), { numRuns: SAMPLES, seed: 20261201 })
        for (const [i, generated] of sessions.entries()) {
          const session = new Session({ ...generated, id: SessionId.make(`s-${i}`), parentId: i > 0 ? SessionId.make(`s-${i - 1}`) : null })
          yield* store.create(session, makeSession(session.id)[1])
        }
        const read = sessionRowReader()
        const listed = (yield* store.list({})).map(sessionToJson)
        const taken = rawRows(file, "SELECT * FROM sessions ORDER BY created_at DESC, id DESC").map((row, i) => sessionJson(definedOrThrow(read(row), `session row ${i}`)))
        expect(jsonDocumentText(taken)).toBe(jsonDocumentText(listed))

        const records = FastCheck.sample(Arbitrary.make(TransitionRecord), { numRuns: SAMPLES, seed: 7 })
        for (const [i, r] of records.entries()) {
          rawRun(
            file,
            "INSERT INTO transitions (session_id, version, from_status, to_status, command, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            "s-0",
            i + 2,
            r.from,
            r.to,
            r.command,
            r.reason,
            r.actor,
            DateTime.toEpochMillis(r.at)
          )
        }
        const history = (yield* store.history(SessionId.make("s-0"))).map(transitionToJson)
        const takenHistory = rawRows(file, "SELECT * FROM transitions WHERE session_id = ? ORDER BY version", "s-0").map((row, i) =>
          transitionJson(definedOrThrow(transitionOfRow(row), `transition row ${i}`))
        )
        expect(jsonDocumentText(takenHistory)).toBe(jsonDocumentText(history))

        const kinds = FastCheck.sample(Arbitrary.make(EventKind), { numRuns: SAMPLES, seed: 11 })
        const instants = FastCheck.sample(Arbitrary.make(Schema.DateTimeUtc), { numRuns: SAMPLES, seed: 13 })
        const payloads = FastCheck.sample(FastCheck.jsonValue(), { numRuns: SAMPLES, seed: 17 })
        const captured = kinds.map(
          (kind, i) =>
            new CapturedEvent({
              idempotencyId: IdempotencyId.make(`e-${i}`),
              sessionId: SessionId.make("s-1"),
              kind,
              at: instants[i] ?? DateTime.unsafeMake(0),
              payload: payloads[i] ?? null
            })
        )
        yield* events.append(captured)
        const stored = yield* events.list(SessionId.make("s-1"), {})
        const shown = eventsInEmittedOrder(
          stored.map((e) => ({ ...e, at: DateTime.toEpochMillis(e.at), receivedAt: DateTime.toEpochMillis(e.receivedAt) }))
        )
        const takenEvents = eventsInEmittedOrder(
          rawRows(file, "SELECT * FROM events WHERE session_id = ? AND seq > 0 ORDER BY seq", "s-1").map((row, i) =>
            definedOrThrow(eventOfRow(row), `event row ${i}`)
          )
        )
        expect(jsonDocumentText(takenEvents)).toBe(jsonDocumentText(shown))
      })
    )
  )

  it.effect("refuse every row the stores would not decode", () =>
    withDb((file) =>
      Effect.gen(function* () {
        const store = yield* SessionStore
        const events = yield* EventStore
        const corruptions: ReadonlyArray<readonly [string, string, string | number]> = [
          ["agent", "agent", "Not An Agent"],
          ["project", "project_id", "not-a-uuid"],
          ["parent", "parent_id", "a/b"],
          ["capabilities", "capabilities", "{\"capture\":1,\"intelligence\":true}"],
          ["boundary", "boundary", "{not json"],
          ["outside", "boundary", "{\"root\":\"/\",\"outsideScope\":\"keep\",\"excludePaths\":[],\"redactSecrets\":true,\"maxFieldBytes\":1,\"maxEventBytes\":1}"],
          ["instant", "updated_at", 9e15]
        ]
        for (const [id, column, value] of corruptions) {
          const [session, created] = makeSession(id)
          yield* store.create(session, created)
          rawRun(file, `UPDATE sessions SET ${column} = ? WHERE id = ?`, value, id)
          const row = rawRows(file, "SELECT * FROM sessions WHERE id = ?", id)[0]
          expect(sessionRowReader()(row), id).toBeUndefined()
          expect((yield* Effect.flip(store.get(SessionId.make(id))))._tag, id).toBe("SystemError")
        }

        const [s, created] = makeSession("with-events")
        yield* store.create(s, created)
        yield* events.append([
          new CapturedEvent({ idempotencyId: IdempotencyId.make("ev-1"), sessionId: s.id, kind: EventKind.make("prompt"), at: DateTime.unsafeMake(1), payload: {} })
        ])
        rawRun(file, "UPDATE events SET payload = 'not json' WHERE idempotency_id = 'ev-1'")
        const eventRow = rawRows(file, "SELECT * FROM events WHERE idempotency_id = 'ev-1'")[0]
        expect(eventOfRow(eventRow)).toBeUndefined()
        expect((yield* Effect.flip(events.list(s.id, {})))._tag).toBe("SystemError")

        rawRun(file, "INSERT INTO transitions (session_id, version, from_status, to_status, command, reason, actor, at) VALUES ('with-events', 2, 'active', 'completed', 'finish', 'r', 'a', 1)")
        const transitionRows = rawRows(file, "SELECT * FROM transitions WHERE session_id = 'with-events' ORDER BY version")
        expect(transitionOfRow(transitionRows[1])).toBeUndefined()
        expect((yield* Effect.flip(store.history(s.id)))._tag).toBe("SystemError")
      })
    )
  )
})
