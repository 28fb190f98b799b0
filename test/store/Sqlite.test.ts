import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { EventStore } from "../../src/store/EventStore.js"
import { Maintenance } from "../../src/store/Maintenance.js"
import { RunStore } from "../../src/store/RunStore.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores } from "../../src/store/sqlite/index.js"
import { tempProject } from "../support/cli.js"
import { makeSession, step } from "../support/sessions.js"

const storeLayer = (filename: string, options?: { busyTimeoutMs?: number; attempts?: number; migrate?: boolean }) =>
  layerStores({
    filename,
    busyTimeoutMs: options?.busyTimeoutMs ?? 1000,
    retry: { attempts: options?.attempts ?? 3, baseDelayMs: 5 },
    migrate: options?.migrate ?? true
  })


const withDb = <A, E>(f: (file: string) => Effect.Effect<A, E, SessionStore | EventStore | RunStore | Maintenance>) =>
  Effect.suspend(() => {
    const project = tempProject()
    const file = path.join(project.dir, "myco.db")
    return f(file).pipe(Effect.provide(storeLayer(file)), Effect.ensuring(Effect.sync(project.cleanup)))
  })

describe("SQLite session store", () => {
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
      expect(rows).toEqual([{ migration_id: 1 }, { migration_id: 2 }, { migration_id: 3 }, { migration_id: 4 }])
      project.cleanup()
    })
  )
})

describe("SQLite run store", () => {
  it.effect("a requeued run loses its start time", () =>
    withDb((file) =>
      Effect.gen(function* () {
        const [s, created] = makeSession("s")
        yield* Effect.flatMap(SessionStore, (store) => store.create(s, created))
        const raw = new Database(file)
        try {
          raw
            .prepare("INSERT INTO runs (id, session_id, task, harness, status, queued_at, started_at) VALUES ('r1', 's', 'summary', 'builtin', 'running', 1, 2)")
            .run()
          expect(yield* Effect.flatMap(RunStore, (runs) => runs.requeueInterrupted)).toEqual(["r1"])
          expect(raw.prepare("SELECT status, started_at FROM runs").all()).toEqual([{ status: "queued", started_at: null }])
        } finally {
          raw.close()
        }
      })
    )
  )
})

describe("SQLite maintenance", () => {
  it.effect("integrity, checkpoint and lineage of a healthy database", () =>
    withDb(() =>
      Effect.gen(function* () {
        const maintenance = yield* Maintenance
        const [s, created] = makeSession("s")
        const store = yield* SessionStore
        yield* store.create(s, created)
        const [completed, record] = step(s, "complete", 1)
        yield* store.transition(completed, s, record)
        expect(yield* maintenance.integrityCheck).toEqual({ ok: true, problems: [] })
        yield* maintenance.checkpoint
        expect(yield* maintenance.lineage).toEqual({ _tag: "Checked", sessions: 1, broken: [] })
        expect(yield* maintenance.migrations).toEqual({ applied: [1, 2, 3, 4], pending: [], unknown: [] })
      })
    )
  )

  it.effect("lineage names a session whose history does not explain it, and reports a history it cannot read", () =>
    withDb((file) =>
      Effect.gen(function* () {
        const maintenance = yield* Maintenance
        const store = yield* SessionStore
        for (const id of ["ok", "bent"]) {
          const [s, created] = makeSession(id)
          yield* store.create(s, created)
        }
        const raw = new Database(file)
        try {
          raw.prepare("UPDATE sessions SET status = 'archived' WHERE id = 'bent'").run()
          expect(yield* maintenance.lineage).toEqual({ _tag: "Checked", sessions: 2, broken: ["bent"] })
          raw.prepare("INSERT INTO transitions VALUES ('ok', 2, 'active', 'completed', 'explode', 'r', 'a', 3)").run()
        } finally {
          raw.close()
        }
        const unreadable = yield* maintenance.lineage
        expect(unreadable._tag).toBe("Unreadable")
        if (unreadable._tag === "Unreadable") expect(unreadable.problem).toContain("explode")
      })
    )
  )

  it.effect("a backup is a copy of the database; one that cannot be written is a failure, not a crash", () =>
    withDb((file) =>
      Effect.gen(function* () {
        const maintenance = yield* Maintenance
        const [s, created] = makeSession("s")
        yield* Effect.flatMap(SessionStore, (store) => store.create(s, created))
        const copy = path.join(path.dirname(file), "backup.db")
        yield* maintenance.backup(copy)
        const raw = new Database(copy, { readonly: true })
        try {
          expect(raw.prepare("SELECT id FROM sessions").all()).toEqual([{ id: "s" }])
        } finally {
          raw.close()
        }
        const failed = yield* Effect.flip(maintenance.backup(path.join(path.dirname(file), "no", "such", "dir.db")))
        expect(["ConfigError", "SystemError", "TransientError"]).toContain(failed._tag)
      })
    )
  )

  it.live("migrations: pending on a database opened without them, applied by migrate, unknown when newer", () =>
    Effect.gen(function* () {
      const project = tempProject()
      const file = path.join(project.dir, "fresh.db")
      const status = Effect.flatMap(Maintenance, (m) => Effect.all([m.migrations, m.migrate, m.migrations]))
      const [before, applied, after] = yield* Effect.provide(status, storeLayer(file, { migrate: false }))
      expect(before).toEqual({ applied: [], pending: [1, 2, 3, 4], unknown: [] })
      expect(applied).toEqual([1, 2, 3, 4])
      expect(after).toEqual({ applied: [1, 2, 3, 4], pending: [], unknown: [] })
      const raw = new Database(file)
      raw.prepare("INSERT INTO myco_migrations (migration_id, name) VALUES (999, 'future')").run()
      raw.close()
      const newer = yield* Effect.provide(Effect.flatMap(Maintenance, (m) => m.migrations), storeLayer(file, { migrate: false }))
      expect(newer).toEqual({ applied: [1, 2, 3, 4, 999], pending: [], unknown: [999] })
      project.cleanup()
    })
  )
})
