/**
 * The LossStore port, asserted once and run against both backends (SQLite on a temp file, and
 * memory): lost events are recorded once each by idempotency id however often they are recorded,
 * ledger slots at the highest count seen, all summed (how many, for want of space or not, first
 * and last) until acknowledged; pauses are kept
 * and the last one reported. Also how SQLite's full disk is classified: a TransientError of code
 * DISK_FULL, which the store's retry policy does not retry.
 */
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Layer, type Scope } from "effect"
import { DISK_FULL, isDiskFull } from "../../src/domain/Failure.js"
import { LossStore, type LostEvent } from "../../src/store/LossStore.js"
import { layerLossStore as layerMemoryLosses } from "../../src/store/memory/index.js"
import { layerStores as layerSqliteStores } from "../../src/store/sqlite/index.js"
import { classifySqlite } from "../../src/store/sqlite/SqliteErrors.js"
import { retryTransient } from "../../src/store/StoreFailure.js"
import { tempProject } from "../support/cli.js"

const backends: ReadonlyArray<readonly [string, () => Layer.Layer<LossStore, unknown, Scope.Scope>]> = [
  [
    "sqlite",
    () => {
      const project = tempProject()
      return layerSqliteStores({
        filename: path.join(project.dir, "myco.db"),
        busyTimeoutMs: 1000,
        retry: { attempts: 3, baseDelayMs: 5 },
        migrate: true
      }).pipe(Layer.tap(() => Effect.addFinalizer(() => Effect.sync(project.cleanup))))
    }
  ],
  ["memory", () => layerMemoryLosses]
]

const at = (ms: number) => DateTime.unsafeMake(Date.UTC(2026, 0, 15, 9, 0, 0) + ms)
const lost = (id: string, ms: number, reason: LostEvent["reason"] = "disk-full"): LostEvent => ({
  idempotencyId: id,
  agent: "claude-code",
  event: "UserPromptSubmit",
  at: at(ms),
  reason
})
const millis = (t: DateTime.Utc | undefined) => (t === undefined ? undefined : DateTime.toEpochMillis(t))

describe.each(backends)("LossStore (%s)", (_name, layer) => {
  it.effect("records each lost event once, sums them until acknowledged, and keeps the pauses", () =>
    Effect.gen(function* () {
      const store = yield* LossStore
      const empty = yield* store.summary
      expect(empty).toEqual({ lost: 0, lostForSpace: 0, firstAt: undefined, lastAt: undefined, acknowledged: 0, pauses: 0, lastPause: undefined })
      expect(yield* store.recordLost([], at(0))).toBe(0)
      expect(yield* store.recordLost([lost("a", 2000), lost("b", 1000), lost("c", 3000, "unwritable")], at(10_000))).toBe(3)
      // The same markers read again (a crash before they were removed): nothing new.
      expect(yield* store.recordLost([lost("a", 2000), lost("d", 4000)], at(11_000))).toBe(1)
      const summary = yield* store.summary
      expect([summary.lost, summary.lostForSpace, summary.acknowledged]).toEqual([4, 3, 0])
      expect([millis(summary.firstAt), millis(summary.lastAt)]).toEqual([millis(at(1000)), millis(at(4000))])

      // Ledger slots: counts that only grow, recorded at the highest seen.
      const slot = (count: number, ms: number) => ({ key: "ledger-00ff-7-disk-full", count, at: at(ms), reason: "disk-full" as const })
      expect(yield* store.recordCounted([slot(2, 4500)], at(12_000))).toBe(2)
      expect(yield* store.recordCounted([slot(2, 4500)], at(12_500))).toBe(0)
      expect(yield* store.recordCounted([slot(5, 4800), { key: "ledger-00ff-9-unwritable", count: 1, at: at(4600), reason: "unwritable" }], at(13_000))).toBe(4)
      const withLedger = yield* store.summary
      expect([withLedger.lost, withLedger.lostForSpace]).toEqual([4 + 5 + 1, 3 + 5])
      expect(millis(withLedger.lastAt)).toBe(millis(at(4800)))

      yield* store.recordPause({ startedAt: at(100), endedAt: at(200), refused: 3, reason: "disk full" })
      yield* store.recordPause({ startedAt: at(500), endedAt: at(900), refused: 7, reason: "disk full again" })
      expect(yield* store.acknowledge(at(20_000))).toBe(10)
      expect(yield* store.acknowledge(at(21_000))).toBe(0)
      yield* store.recordLost([lost("e", 5000)], at(22_000))
      // A slot that counted more since: only what it grew by is new.
      expect(yield* store.recordCounted([slot(6, 5100)], at(22_500))).toBe(1)
      const after = yield* store.summary
      expect([after.lost, after.acknowledged, after.pauses]).toEqual([2, 10, 2])
      expect(millis(after.firstAt)).toBe(millis(at(5000)))
      expect(after.lastPause).toMatchObject({ refused: 7, reason: "disk full again" })
      expect(millis(after.lastPause?.endedAt)).toBe(millis(at(900)))
    }).pipe(Effect.provide(layer()), Effect.scoped)
  )
})

describe("a full disk, as the store reports it", () => {
  it("is a TransientError of code DISK_FULL, naming the file", () => {
    const error = classifySqlite("sqlite.events.append", "/p/.myco/myco.db", Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }))
    expect(error).toMatchObject({ _tag: "TransientError", code: DISK_FULL })
    expect(error?.message).toContain("SQLITE_FULL")
    expect(error?.message).toContain("/p/.myco/myco.db")
    expect(isDiskFull(error)).toBe(true)
    // Other SQLite failures keep their class.
    expect(classifySqlite("op", "db", Object.assign(new Error("locked"), { code: "SQLITE_BUSY" }))).toMatchObject({ _tag: "TransientError", code: "SQLITE_BUSY" })
    expect(classifySqlite("op", "db", Object.assign(new Error("io"), { code: "SQLITE_IOERR_WRITE" }))?._tag).toBe("SystemError")
  })

  it.effect("is not retried at once: it lasts until someone frees space", () =>
    Effect.gen(function* () {
      let attempts = 0
      const full = classifySqlite("op", "db", Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }))
      if (full === undefined) throw new Error("not classified")
      const failing = Effect.suspend(() => {
        attempts++
        return Effect.fail(full)
      })
      yield* Effect.flip(failing.pipe(retryTransient({ attempts: 5, baseDelayMs: 1 })))
      expect(attempts).toBe(1)
    })
  )
})
