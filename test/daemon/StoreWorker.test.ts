/**
 * The schedule of the `store` worker, in process on the TestClock: a checkpoint every
 * `checkpointEveryMs`, a quick check every `quickCheckEveryMs` (0 turns either off), a quick check
 * after every checkpoint that failed, and a damaged store (a SystemError) escalating to the root.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel, TestClock } from "effect"
import { ActorFailure, ExitReason, Supervisor } from "../../src/actor/index.js"
import { storeWorker } from "../../src/daemon/workers/StoreWorker.js"
import { SystemError, TransientError } from "../../src/domain/Failure.js"
import { mycoDecider } from "../../src/session/Decider.js"
import type { Maintenance } from "../../src/store/Maintenance.js"
import type { IntakePause } from "../../src/capture/IntakePause.js"

/** Intake that is never paused (the disk-full pause is tested in test/capture/IntakePause tests). */
const accepting: IntakePause["Type"] = {
  state: Effect.succeed({ _tag: "Accepting", pauses: 0 }),
  paused: Effect.succeed(false),
  pause: () => Effect.void,
  guard: () => Effect.void,
  watch: (self) => self,
  probe: Effect.void,
  probeLoop: Effect.never
}

const unused = Effect.dieMessage("not used by the store worker")

/** A Maintenance that records what the worker asks of it; `failures` are taken one per call, in order. */
const recording = (failures: { checkpoint?: Array<SystemError | TransientError>; quickCheck?: Array<SystemError> } = {}) => {
  const calls: Array<string> = []
  const maintenance: Maintenance["Type"] = {
    checkpoint: Effect.suspend(() => {
      calls.push("checkpoint")
      const failure = failures.checkpoint?.shift()
      return failure === undefined ? Effect.void : Effect.fail(failure)
    }),
    quickCheck: Effect.suspend(() => {
      calls.push("quick_check")
      const failure = failures.quickCheck?.shift()
      return failure === undefined ? Effect.void : Effect.fail(failure)
    }),
    verify: unused,
    inspect: () => unused,
    emergencyCopy: () => unused,
    integrityCheck: unused,
    backup: () => unused,
    lineage: unused,
    migrations: unused,
    migrate: unused
  }
  return { calls, maintenance }
}

/** Lets the worker handle what its timers sent (it runs on fibers of its own). */
const settle = Effect.repeatN(Effect.yieldNow(), 50)

const start = (maintenance: Maintenance["Type"], checkpointEveryMs: number, quickCheckEveryMs: number) =>
  Supervisor.start("test", {
    strategy: "one_for_one",
    children: [storeWorker({ maintenance, intake: accepting, checkpointEveryMs, quickCheckEveryMs })],
    decider: mycoDecider,
    intensity: 100
  })

const corrupt = new SystemError({ operation: "sqlite.quick_check", message: "database disk image is malformed", code: "SQLITE_CORRUPT" })

describe("the store worker", () => {
  it.scoped("checkpoints and quick-checks each on its own interval", () =>
    Effect.gen(function* () {
      const { calls, maintenance } = recording()
      yield* start(maintenance, 60_000, 300_000)
      yield* settle
      expect(calls).toEqual([])
      yield* TestClock.adjust("59 seconds")
      yield* settle
      expect(calls).toEqual([])
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(calls).toEqual(["checkpoint"])
      for (let minute = 2; minute <= 5; minute++) {
        yield* TestClock.adjust("1 minute")
        yield* settle
      }
      expect(calls.filter((c) => c === "checkpoint")).toHaveLength(5)
      expect(calls.filter((c) => c === "quick_check")).toHaveLength(1)
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None))
  )

  it.scoped("an interval of 0 turns its schedule off", () =>
    Effect.gen(function* () {
      const { calls, maintenance } = recording()
      yield* start(maintenance, 0, 1000)
      yield* TestClock.adjust("10 seconds")
      yield* settle
      expect(calls.filter((c) => c === "checkpoint")).toEqual([])
      expect(calls.filter((c) => c === "quick_check").length).toBeGreaterThanOrEqual(9)
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None))
  )

  it.scoped("a checkpoint that fails is followed by a quick check; a passing failure is then retried", () =>
    Effect.gen(function* () {
      const busy = new TransientError({ operation: "sqlite.checkpoint", message: "database is locked", code: "SQLITE_BUSY" })
      const { calls, maintenance } = recording({ checkpoint: [busy] })
      yield* start(maintenance, 1000, 0)
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(calls).toEqual(["checkpoint", "quick_check"])
      // Retried in place after the decider's backoff (at most 5 s on the first attempt).
      yield* TestClock.adjust("5 seconds")
      yield* settle
      expect(calls.slice(0, 3)).toEqual(["checkpoint", "quick_check", "checkpoint"])
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None))
  )

  it.scoped("a checkpoint that fails on a damaged store: the quick check's finding escalates to the root", () =>
    Effect.gen(function* () {
      const ioerr = new SystemError({ operation: "sqlite.checkpoint", message: "disk I/O error", code: "SQLITE_IOERR" })
      const { calls, maintenance } = recording({ checkpoint: [ioerr], quickCheck: [corrupt] })
      const root = yield* start(maintenance, 1000, 0)
      yield* TestClock.adjust("1 second")
      yield* settle
      expect(calls).toEqual(["checkpoint", "quick_check"])
      expect(yield* Supervisor.awaitExit(root)).toEqual(ExitReason.Failure(ActorFailure.error(corrupt)))
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None))
  )

  it.scoped("a scheduled quick check that finds damage escalates to the root", () =>
    Effect.gen(function* () {
      const { maintenance } = recording({ quickCheck: [corrupt] })
      const root = yield* start(maintenance, 0, 30_000)
      yield* TestClock.adjust("30 seconds")
      expect(yield* Supervisor.awaitExit(root)).toEqual(ExitReason.Failure(ActorFailure.error(corrupt)))
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None))
  )
})
