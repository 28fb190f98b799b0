/**
 * Idle completion on the TestClock, over the memory stores: an active session with no activity
 * (creation, transition, event) for longer than the timeout is completed with the reason given,
 * one with recent activity is not, one idle for exactly the timeout is not yet, sessions that are
 * no longer active are left alone, and a timeout of 0 never completes anything. Also through the
 * session actors, as the maintenance worker runs it: each completion published once.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, DateTime, Duration, Effect, PubSub, Queue, TestClock } from "effect"
import { CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { AgentName, SessionId } from "../../src/domain/Ids.js"
import { type CompleteIdle, completeIdleSessions } from "../../src/session/IdleCompletion.js"
import { SessionLifecycle } from "../../src/session/Lifecycle.js"
import { WatchHub } from "../../src/session/WatchHub.js"
import { EventStore } from "../../src/store/EventStore.js"
import { layerMemoryServices, startSessionsTree, T0 } from "../support/memory-vault.js"

const TIMEOUT_MS = 30 * 60_000
const why = (idle: string) => `idle for over ${idle}`

/** Completes through the lifecycle, as the supervisor does on start, and records what it was asked. */
const completer = (asked: Array<string>): Effect.Effect<CompleteIdle, never, SessionLifecycle> =>
  Effect.map(SessionLifecycle, (lifecycle) => (id, reason) =>
    lifecycle.transition(id, "complete", { reason, actor: "supervisor" }).pipe(
      Effect.tap(() => Effect.sync(() => asked.push(id))),
      Effect.asVoid,
      Effect.orDie
    )
  )

/** Creates an active session `id` now (by the TestClock). */
const create = (id: string) =>
  Effect.flatMap(SessionLifecycle, (lifecycle) => lifecycle.create({ agent: AgentName.make("cli"), id: SessionId.make(id) })).pipe(
    Effect.map(({ session }) => session.id)
  )

describe("idle completion", () => {
  it.effect("completes the sessions idle past the timeout with the reason, and not the recent ones", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const lifecycle = yield* SessionLifecycle
      const events = yield* EventStore
      const old = yield* create("old")
      const busy = yield* create("busy")
      yield* TestClock.adjust("20 minutes")
      const recent = yield* create("recent")
      // Activity on `busy`: an event stored now (T0+20m).
      yield* events.append([
        new CapturedEvent({ idempotencyId: IdempotencyId.make("busy-1"), sessionId: busy, kind: EventKind.make("prompt"), at: DateTime.unsafeMake(T0), payload: {} })
      ])
      yield* TestClock.adjust("15 minutes")

      const asked: Array<string> = []
      const runOnce = completeIdleSessions(TIMEOUT_MS, yield* completer(asked), why)
      expect(yield* runOnce).toBe(1)
      expect(asked).toEqual([old])
      const completed = yield* lifecycle.get(old)
      expect(completed.status).toBe("completed")
      expect(DateTime.toEpochMillis(completed.completedAt ?? DateTime.unsafeMake(0))).toBe(T0 + 35 * 60_000)
      const last = (yield* lifecycle.history(old)).at(-1)
      expect(last).toMatchObject({ command: "complete", reason: "idle for over 30m", actor: "supervisor" })
      expect((yield* lifecycle.get(busy)).status).toBe("active")
      expect((yield* lifecycle.get(recent)).status).toBe("active")

      // 20 minutes later both are idle for 35 minutes; the completed one is not touched again.
      yield* TestClock.adjust("20 minutes")
      expect(yield* runOnce).toBe(2)
      expect(asked[0]).toBe(old)
      expect(asked.slice(1).sort()).toEqual([busy, recent].sort())
      expect((yield* lifecycle.history(old)).map((r) => r.command)).toEqual(["create", "complete"])
      expect(yield* runOnce).toBe(0)
    }).pipe(Effect.provide(layerMemoryServices()))
  )

  it.effect("a session idle for exactly the timeout is not completed yet; one millisecond more and it is", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const lifecycle = yield* SessionLifecycle
      const id = yield* create("edge")
      const asked: Array<string> = []
      const complete = yield* completer(asked)
      yield* TestClock.adjust(Duration.millis(TIMEOUT_MS))
      expect(yield* completeIdleSessions(TIMEOUT_MS, complete, why)).toBe(0)
      expect((yield* lifecycle.get(id)).status).toBe("active")
      yield* TestClock.adjust(Duration.millis(1))
      expect(yield* completeIdleSessions(TIMEOUT_MS, complete, why)).toBe(1)
      expect((yield* lifecycle.get(id)).status).toBe("completed")
    }).pipe(Effect.provide(layerMemoryServices()))
  )

  it.effect("a timeout of 0 never completes anything, however long sessions are idle", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const lifecycle = yield* SessionLifecycle
      const id = yield* create("forever")
      yield* TestClock.adjust("365 days")
      const asked: Array<string> = []
      const complete = yield* completer(asked)
      expect(yield* completeIdleSessions(0, complete, why)).toBe(0)
      expect(asked).toEqual([])
      expect((yield* lifecycle.get(id)).status).toBe("active")
      // The same session is idle by any positive timeout.
      expect(yield* completeIdleSessions(TIMEOUT_MS, complete, why)).toBe(1)
    }).pipe(Effect.provide(layerMemoryServices()))
  )

  it.scoped("through the session actors (the periodic run), each completion is committed and published once", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const sessions = yield* startSessionsTree
      const hub = yield* WatchHub
      const lifecycle = yield* SessionLifecycle
      const a = yield* create("actor-a")
      const b = yield* create("actor-b")
      yield* TestClock.adjust("2 hours")
      const watcher = yield* PubSub.subscribe(hub)
      const viaActors: CompleteIdle = (id, reason) =>
        sessions.transition(id, "complete", { reason, actor: "supervisor" }).pipe(Effect.asVoid, Effect.orDie)
      expect(yield* completeIdleSessions(TIMEOUT_MS, viaActors, (idle) => `idle for over ${idle} (periodic)`)).toBe(2)
      const published = Chunk.toReadonlyArray(yield* Queue.takeAll(watcher)).flatMap((item) => (item._tag === "Transitioned" ? [item.record] : []))
      expect(published.map((r) => [r.sessionId, r.command, r.reason]).sort()).toEqual([
        [a, "complete", "idle for over 30m (periodic)"],
        [b, "complete", "idle for over 30m (periodic)"]
      ])
      expect((yield* lifecycle.get(a)).status).toBe("completed")
      expect((yield* lifecycle.get(b)).status).toBe("completed")
    }).pipe(Effect.provide(layerMemoryServices()))
  )
})
