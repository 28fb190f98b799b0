/**
 * The write pause (capture/IntakePause.ts) on the TestClock: a failure for want of space pauses
 * intake (once), every write is then refused at once with a typed DISK_FULL error and counted;
 * the probe runs by its rule (once a second while paused, never while accepting), waits for the
 * free-space floor, keeps the pause while a write still fails, and resumes by itself when its
 * write (the record of the pause) commits.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, TestClock } from "effect"
import { IntakePause, type IntakeState, layerIntakePause, probeDue } from "../../src/capture/IntakePause.js"
import { DISK_FULL, isDiskFull, TransientError } from "../../src/domain/Failure.js"
import { LossStore } from "../../src/store/LossStore.js"
import { layerLossStore } from "../../src/store/memory/index.js"

/** What the test controls: the free space the file system reports, and whether a write fails. */
interface Disk {
  free: number | undefined
  full: boolean
  writes: number
}

const full = new TransientError({ operation: "sqlite.events.append", message: "database or disk is full (SQLITE_FULL)", code: DISK_FULL })

/** The memory LossStore, whose writes fail while the disk is `full`. */
const layerDiskStore = (disk: Disk): Layer.Layer<LossStore> =>
  Layer.effect(
    LossStore,
    Effect.map(LossStore, (inner) =>
      LossStore.of({
        ...inner,
        recordPause: (pause) =>
          Effect.suspend(() => {
            disk.writes++
            return disk.full ? Effect.fail(full) : inner.recordPause(pause)
          })
      })
    )
  ).pipe(Layer.provide(layerLossStore))

const layerPause = (disk: Disk) =>
  layerIntakePause({ probeEvery: "1 second", minFreeBytes: 1024 * 1024, freeBytes: Effect.sync(() => disk.free) }).pipe(
    Layer.provideMerge(layerDiskStore(disk))
  )

const paused = (since: number, lastProbeAt?: number): IntakeState => ({
  _tag: "Paused",
  since,
  reason: "full",
  refused: 0,
  probes: 0,
  lastProbeAt,
  lastProbe: undefined,
  pauses: 0
})

describe("the probe's rule", () => {
  it("is due a full interval after the pause began, then after each probe; never while accepting", () => {
    expect(probeDue({ _tag: "Accepting", pauses: 0 }, 10_000, 1000)).toBe(false)
    expect(probeDue(paused(5000), 5999, 1000)).toBe(false)
    expect(probeDue(paused(5000), 6000, 1000)).toBe(true)
    expect(probeDue(paused(5000, 6000), 6999, 1000)).toBe(false)
    expect(probeDue(paused(5000, 6000), 7000, 1000)).toBe(true)
  })
})

describe("the write pause", () => {
  it.scoped("pauses on a full disk, refuses writes with a typed error, probes every second and resumes by itself", () => {
    const disk: Disk = { free: 0, full: true, writes: 0 }
    return Effect.gen(function* () {
      const intake = yield* IntakePause
      const losses = yield* LossStore
      yield* intake.guard("hook")
      // A write that finds the disk full pauses intake; its own failure passes through unchanged.
      const failed = yield* Effect.flip(intake.watch(Effect.fail(full)))
      expect(failed).toBe(full)
      // Another full-disk failure does not start a second pause.
      yield* Effect.flip(intake.watch(Effect.fail(full)))
      const refused = yield* Effect.flip(intake.guard("hook"))
      expect(isDiskFull(refused)).toBe(true)
      expect(refused.message).toContain("the vault's disk is full")
      yield* Effect.flip(intake.guard("capture", 3))
      expect(yield* intake.state).toMatchObject({ _tag: "Paused", refused: 4, probes: 0 })

      const loop = yield* Effect.fork(intake.probeLoop)
      // Not before a second has passed.
      yield* TestClock.adjust("999 millis")
      expect(yield* intake.state).toMatchObject({ _tag: "Paused", probes: 0 })
      // At one second: the file system reports no room, so no write is even tried.
      yield* TestClock.adjust("1 millis")
      expect(yield* intake.state).toMatchObject({ _tag: "Paused", probes: 1, lastProbe: "0 B free, waiting for 1.0 MiB" })
      expect(disk.writes).toBe(0)
      // Room is reported, but the write still fails (a quota, say): still paused.
      disk.free = 64 * 1024 * 1024
      yield* TestClock.adjust("1 second")
      expect(yield* intake.state).toMatchObject({ _tag: "Paused", probes: 2 })
      expect(disk.writes).toBe(1)
      // The write commits: intake resumes by itself, and the pause is on record.
      disk.full = false
      yield* TestClock.adjust("1 second")
      expect(yield* intake.state).toEqual({ _tag: "Accepting", pauses: 1 })
      yield* intake.guard("hook")
      const summary = yield* losses.summary
      expect(summary.pauses).toBe(1)
      expect(summary.lastPause).toMatchObject({ refused: 4, reason: full.message })
      // Accepting, the probe does nothing however long it waits.
      yield* TestClock.adjust("10 seconds")
      expect(disk.writes).toBe(2)
      yield* Fiber.interrupt(loop)
    }).pipe(Effect.provide(layerPause(disk)))
  })

  it.scoped("leaves every other failure alone", () => {
    const disk: Disk = { free: undefined, full: false, writes: 0 }
    return Effect.gen(function* () {
      const intake = yield* IntakePause
      const busy = new TransientError({ operation: "sqlite.events.append", message: "database is locked", code: "SQLITE_BUSY" })
      expect(yield* Effect.flip(intake.watch(Effect.fail(busy)))).toBe(busy)
      expect(yield* intake.paused).toBe(false)
    }).pipe(Effect.provide(layerPause(disk)))
  })
})
