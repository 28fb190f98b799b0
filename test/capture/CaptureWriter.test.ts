/**
 * The batching capture writer, in process on the memory stores: submissions that wait together
 * are committed in one transaction (up to `maxBatchEvents`), each is acknowledged with its own
 * outcomes in submission order, duplicates are acknowledged as duplicates, a submission for an
 * unknown session fails alone while the others of its group commit (the commitAlone fallback),
 * a defect while storing one (a poison event) fails it alone as an AgentError, `drain` refuses new
 * submissions and waits for everything queued, the commit observer hears of
 * committed events (and the watchers, through the WatchHub's observer, only of stored ones), a
 * system failure fails its submissions and ends the loop, and a full disk fails its whole group,
 * pauses intake and refuses what comes until the pause ends, with the loop going on.
 *
 * The commit loop is forked only once the submissions of a test are queued, so that what "waits
 * together" is decided by the test, not by timing.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, DateTime, Deferred, Effect, Exit, Fiber, Layer, Option, PubSub, Queue, TestClock } from "effect"
import { CaptureWriter, CommitObserver, layerCaptureWriter } from "../../src/capture/CaptureWriter.js"
import { type AppendOutcome, CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { DISK_FULL, SystemError, TransientError } from "../../src/domain/Failure.js"
import { IntakePause } from "../../src/capture/IntakePause.js"
import { AgentName, MachineId, ProjectId, SessionId } from "../../src/domain/Ids.js"
import { createSession } from "../../src/domain/Session.js"
import type { WatchItem } from "../../src/protocol/Protocol.js"
import { layerCommitObserver, layerWatchHub, WatchHub } from "../../src/session/WatchHub.js"
import { EventStore } from "../../src/store/EventStore.js"
import { layerEventStore, layerLossStore, layerMemoryState, layerSessionStore } from "../../src/store/memory/index.js"
import { layerTestIntakePause } from "../support/memory-vault.js"
import { SessionStore } from "../../src/store/SessionStore.js"

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0)

/** What the tests see of the store and the observer. */
interface Probe {
  /** The size of every `append` call (one call is one transaction). */
  readonly appends: Array<number>
  /** When set, the next `append` fails with it. */
  failNext: SystemError | TransientError | undefined
  /** When set, every `append` holding an event with this idempotency id dies (a bug while storing it). */
  poison: string | undefined
  /** Every group the observer was told of: the events' ids and their outcomes' ids and flags. */
  readonly told: Array<ReadonlyArray<{ readonly event: string; readonly outcome: string; readonly duplicate: boolean }>>
}

const makeProbe = (): Probe => ({ appends: [], failNext: undefined, poison: undefined, told: [] })

/** The memory EventStore, with every append counted (and failed on demand). */
const layerProbedEvents = (probe: Probe): Layer.Layer<EventStore, never, EventStore> =>
  Layer.effect(
    EventStore,
    Effect.map(EventStore, (inner) =>
      EventStore.of({
        ...inner,
        append: (events) =>
          Effect.suspend(() => {
            probe.appends.push(events.length)
            const failure = probe.failNext
            probe.failNext = undefined
            if (failure !== undefined) return Effect.fail(failure)
            if (events.some((e) => e.idempotencyId === probe.poison)) return Effect.dieMessage(`cannot store ${probe.poison}`)
            return inner.append(events)
          })
      })
    )
  )

const layerRecordingObserver = (probe: Probe): Layer.Layer<CommitObserver> =>
  Layer.succeed(CommitObserver, {
    committed: (events, outcomes) =>
      Effect.sync(() => {
        probe.told.push(
          outcomes.map((o, i) => ({ event: events[i]?.idempotencyId ?? "(none)", outcome: o.idempotencyId, duplicate: o.duplicate }))
        )
      })
  })

const stores = (probe: Probe) =>
  Layer.mergeAll(layerSessionStore, layerProbedEvents(probe).pipe(Layer.provide(layerEventStore))).pipe(
    Layer.provideMerge(layerMemoryState),
    Layer.provideMerge(layerTestIntakePause.pipe(Layer.provideMerge(layerLossStore)))
  )

type WriterOptions = { readonly queueCapacity: number; readonly maxBatchEvents: number }
const DEFAULT_OPTIONS: WriterOptions = { queueCapacity: 256, maxBatchEvents: 2000 }

/** The writer over probed memory stores, told of commits by the recording observer. */
const layerWriter = (probe: Probe, options: WriterOptions = DEFAULT_OPTIONS) =>
  layerCaptureWriter(options).pipe(Layer.provide(layerRecordingObserver(probe)), Layer.provideMerge(stores(probe)))

/** The writer over probed memory stores, observed by the watchers' hub as in `myco run`. */
const layerWatchedWriter = (probe: Probe) =>
  layerCaptureWriter(DEFAULT_OPTIONS).pipe(Layer.provide(layerCommitObserver), Layer.provideMerge(layerWatchHub), Layer.provideMerge(stores(probe)))

/** Stores an active session `id` as the lifecycle would. */
const seedSession = (id: string) =>
  Effect.flatMap(SessionStore, (store) => {
    const [session, record] = createSession(
      {
        id: SessionId.make(id),
        projectId: ProjectId.make("00000000-0000-4000-8000-0000000000a1"),
        machineId: MachineId.make("00000000-0000-4000-8000-0000000000b2"),
        agent: AgentName.make("cli"),
        parentId: null,
        capabilities: { capture: true, intelligence: false },
        boundary: { root: "/project", outsideScope: "record", excludePaths: [], redactSecrets: true, maxFieldBytes: 65536, maxEventBytes: 262144 },
        metadata: { cwd: "/project", branch: null, transcriptPath: null, title: null }
      },
      DateTime.unsafeMake(T0),
      "test",
      "test"
    )
    return store.create(session, record)
  })

let clock = 0
/** An event `id` of session `session`. */
const ev = (id: string, session: string) =>
  new CapturedEvent({
    idempotencyId: IdempotencyId.make(id),
    sessionId: SessionId.make(session),
    kind: EventKind.make("prompt"),
    at: DateTime.unsafeMake(T0 + ++clock),
    payload: { id }
  })

/** Starts the commit loop in the test's scope. */
const startLoop = Effect.flatMap(CaptureWriter, (writer) => Effect.forkScoped(writer.commitLoop))

const ids = (outcomes: ReadonlyArray<AppendOutcome>) => outcomes.map((o) => o.idempotencyId)
const places = (outcomes: ReadonlyArray<AppendOutcome>) => outcomes.map((o) => [o.idempotencyId, o.seq, o.duplicate] as const)

describe("CaptureWriter", () => {
  it.scoped("commits submissions that wait together in one transaction, at most maxBatchEvents events each", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      yield* seedSession("s")
      const tickets = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i), (i) => writer.enqueue([ev(`e${i}`, "s")]))
      yield* startLoop
      const outcomes = yield* Effect.forEach(tickets, Deferred.await)
      // Ten submissions of one event, four events per transaction at most: three transactions.
      expect(probe.appends).toEqual([4, 4, 2])
      expect(outcomes.map((o) => o.map((x) => x.seq))).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1]))
      expect(yield* writer.stats).toMatchObject({ eventsCommitted: 10, duplicates: 0, batchesCommitted: 3, queueDepth: 0, queueCapacity: 256 })
    }).pipe(Effect.provide(layerWriter(probe, { queueCapacity: 256, maxBatchEvents: 4 })))
  })

  it.scoped("acknowledges each submission with its own outcomes, in order, numbered per session", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      const events = yield* EventStore
      yield* seedSession("a")
      yield* seedSession("b")
      const batches = [[ev("a1", "a"), ev("b1", "b")], [ev("a2", "a")], [ev("b2", "b"), ev("a3", "a"), ev("b3", "b")]]
      const tickets = yield* Effect.forEach(batches, (batch) => writer.enqueue(batch))
      yield* startLoop
      const [first, second, third] = yield* Effect.forEach(tickets, Deferred.await)
      expect(probe.appends).toEqual([6])
      expect(places(first ?? [])).toEqual([["a1", 1, false], ["b1", 1, false]])
      expect(places(second ?? [])).toEqual([["a2", 2, false]])
      expect(places(third ?? [])).toEqual([["b2", 2, false], ["a3", 3, false], ["b3", 3, false]])
      expect((yield* events.list(SessionId.make("a"), {})).map((e) => e.idempotencyId)).toEqual(["a1", "a2", "a3"])
      expect((yield* events.list(SessionId.make("b"), {})).map((e) => e.idempotencyId)).toEqual(["b1", "b2", "b3"])
      // Submitted after the loop runs, one at a time, each waits for its own commit.
      expect(places(yield* writer.submit([ev("a4", "a")]))).toEqual([["a4", 4, false]])
    }).pipe(Effect.provide(layerWriter(probe)))
  })

  it.scoped("acknowledges duplicates, stored before or earlier in the same group, with the stored place", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      const events = yield* EventStore
      yield* seedSession("s")
      yield* startLoop
      expect(places(yield* writer.submit([ev("x1", "s"), ev("x2", "s")]))).toEqual([["x1", 1, false], ["x2", 2, false]])
      yield* Effect.yieldNow()
      const replay = ev("x1", "s")
      const y = ev("y1", "s")
      const tickets = yield* Effect.forEach([[replay], [y], [y, ev("x3", "s")]], (batch) => writer.enqueue(batch))
      const [again, fresh, mixed] = yield* Effect.forEach(tickets, Deferred.await)
      expect(places(again ?? [])).toEqual([["x1", 1, true]])
      expect(places(fresh ?? [])).toEqual([["y1", 3, false]])
      expect(places(mixed ?? [])).toEqual([["y1", 3, true], ["x3", 4, false]])
      expect((yield* events.list(SessionId.make("s"), {})).map((e) => e.idempotencyId)).toEqual(["x1", "x2", "y1", "x3"])
      expect(yield* writer.stats).toMatchObject({ eventsCommitted: 4, duplicates: 2 })
    }).pipe(Effect.provide(layerWriter(probe)))
  })

  it.scoped("fails a submission for an unknown session alone: the others of its group are committed, in order", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      const events = yield* EventStore
      yield* seedSession("a")
      const tickets = yield* Effect.forEach([[ev("a1", "a")], [ev("g1", "ghost"), ev("a-in-bad", "a")], [ev("a2", "a")]], (batch) =>
        writer.enqueue(batch)
      )
      yield* startLoop
      const [first, bad, last] = yield* Effect.forEach(tickets, (t) => Effect.exit(Deferred.await(t)))
      // The group failed as a whole, then each submission was committed on its own.
      expect(probe.appends).toEqual([4, 1, 2, 1])
      expect(first !== undefined && Exit.isSuccess(first) && places(first.value)).toEqual([["a1", 1, false]])
      expect(last !== undefined && Exit.isSuccess(last) && places(last.value)).toEqual([["a2", 2, false]])
      expect(bad).toEqual(Exit.fail(expect.objectContaining({ _tag: "SessionNotFound", sessionId: "ghost" })))
      // All or nothing per submission: the good event of the bad one is not stored.
      expect((yield* events.list(SessionId.make("a"), {})).map((e) => e.idempotencyId)).toEqual(["a1", "a2"])
      // The loop goes on.
      expect(places(yield* writer.submit([ev("a3", "a")]))).toEqual([["a3", 3, false]])
      expect(yield* writer.stats).toMatchObject({ eventsCommitted: 3 })
    }).pipe(Effect.provide(layerWriter(probe)))
  })

  it.scoped("fails a submission whose event cannot be stored at all (a defect) alone, as an AgentError; the loop goes on", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      yield* seedSession("s")
      probe.poison = "p2"
      const tickets = yield* Effect.forEach([[ev("p1", "s")], [ev("p2", "s")], [ev("p3", "s")]], (batch) => writer.enqueue(batch))
      const loop = yield* startLoop
      const [first, poisoned, last] = yield* Effect.forEach(tickets, (t) => Effect.exit(Deferred.await(t)))
      expect(first !== undefined && Exit.isSuccess(first) && places(first.value)).toEqual([["p1", 1, false]])
      expect(last !== undefined && Exit.isSuccess(last) && places(last.value)).toEqual([["p3", 2, false]])
      expect(poisoned).toEqual(Exit.fail(expect.objectContaining({ _tag: "AgentError", message: expect.stringContaining("cannot store p2") })))
      expect(places(yield* writer.submit([ev("p4", "s")]))).toEqual([["p4", 3, false]])
      expect(Option.isNone(yield* Fiber.poll(loop))).toBe(true)
    }).pipe(Effect.provide(layerWriter(probe)))
  })

  it.scoped("drain refuses new submissions with ShuttingDown and returns once everything queued is committed", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      yield* seedSession("s")
      const tickets = yield* Effect.forEach(Array.from({ length: 6 }, (_, i) => i), (i) => writer.enqueue([ev(`d${i}`, "s")]))
      const draining = yield* Effect.fork(writer.drain)
      for (let i = 0; i < 10; i++) yield* Effect.yieldNow()
      // Nothing commits yet (no loop): drain waits, and the writer takes nothing more.
      expect(Option.isNone(yield* Fiber.poll(draining))).toBe(true)
      expect(yield* Effect.flip(writer.enqueue([ev("late", "s")]))).toMatchObject({ _tag: "ShuttingDown" })
      expect(yield* Effect.flip(writer.submit([ev("late", "s")]))).toMatchObject({ _tag: "ShuttingDown" })
      yield* startLoop
      yield* Fiber.join(draining)
      // Three transactions were needed (two events each): drain waited for all of them.
      expect(probe.appends).toEqual([2, 2, 2])
      for (const ticket of tickets) {
        const done = yield* Deferred.poll(ticket)
        expect(Option.isSome(done)).toBe(true)
      }
      expect(ids((yield* Effect.forEach(tickets, Deferred.await)).flat())).toEqual(["d0", "d1", "d2", "d3", "d4", "d5"])
      // Drained and idle: a second drain returns at once.
      yield* writer.drain
    }).pipe(Effect.provide(layerWriter(probe, { queueCapacity: 64, maxBatchEvents: 2 })))
  })

  it.scoped("tells the observer of each committed group, events beside their outcomes, never of a failed submission", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      yield* seedSession("s")
      const tickets = yield* Effect.forEach([[ev("o1", "s"), ev("o2", "s")], [ev("o1", "s")], [ev("g", "ghost")], [ev("o3", "s")]], (batch) =>
        writer.enqueue(batch)
      )
      yield* startLoop
      yield* Effect.forEach(tickets, (t) => Effect.exit(Deferred.await(t)))
      // The group failed (the ghost), so each submission was committed, and told, on its own.
      expect(probe.told).toEqual([
        [
          { event: "o1", outcome: "o1", duplicate: false },
          { event: "o2", outcome: "o2", duplicate: false }
        ],
        [{ event: "o1", outcome: "o1", duplicate: true }],
        [{ event: "o3", outcome: "o3", duplicate: false }]
      ])
    }).pipe(Effect.provide(layerWriter(probe)))
  })

  it.scoped("through the WatchHub's observer, watchers see each stored event once, and no duplicate or failed one", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      const hub = yield* WatchHub
      const watcher = yield* PubSub.subscribe(hub)
      yield* seedSession("s")
      yield* startLoop
      yield* writer.submit([ev("w1", "s"), ev("w2", "s")])
      // A group with a duplicate, and one with a failing submission (committed alone).
      const tickets = yield* Effect.forEach([[ev("w1", "s"), ev("w3", "s")], [ev("g", "ghost")], [ev("w4", "s")]], (batch) => writer.enqueue(batch))
      yield* Effect.forEach(tickets, (t) => Effect.exit(Deferred.await(t)))
      const seen = Chunk.toReadonlyArray(yield* Queue.takeAll(watcher)).flatMap((item: WatchItem) =>
        item._tag === "Captured" ? [[item.sessionId, item.idempotencyId, item.seq] as const] : []
      )
      expect(seen).toEqual([
        ["s", "w1", 1],
        ["s", "w2", 2],
        ["s", "w3", 3],
        ["s", "w4", 4]
      ])
    }).pipe(Effect.provide(layerWatchedWriter(probe)))
  })

  it.scoped("a full disk fails its whole group at once, pauses intake, refuses what comes while paused, and commits again once it resumes", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      const intake = yield* IntakePause
      yield* seedSession("s")
      const full = new TransientError({ operation: "sqlite.events.append", message: "database or disk is full (SQLITE_FULL)", code: DISK_FULL })
      probe.failNext = full
      const group = yield* Effect.forEach([[ev("x1", "s")], [ev("x2", "s"), ev("x3", "s")], [ev("x4", "s")]], (batch) => writer.enqueue(batch))
      const loop = yield* startLoop
      // One append for the group, none alone: each submission gets the same typed refusal.
      for (const ticket of group) expect(yield* Effect.flip(Deferred.await(ticket))).toBe(full)
      expect(probe.appends).toEqual([4])
      expect((yield* intake.state)._tag).toBe("Paused")
      // While paused, nothing reaches the store: refused at once, counted.
      const refused = yield* Effect.flip(writer.submit([ev("y1", "s"), ev("y2", "s")]))
      expect(refused).toMatchObject({ _tag: "TransientError", code: DISK_FULL })
      expect(probe.appends).toEqual([4])
      expect(yield* intake.state).toMatchObject({ _tag: "Paused", refused: 2 })
      // The loop did not end; once a probe finds room (a second later), commits resume.
      yield* TestClock.adjust("1 second")
      yield* intake.probe
      expect((yield* intake.state)._tag).toBe("Accepting")
      const outcomes = yield* writer.submit([ev("x1", "s"), ev("y1", "s")])
      expect(places(outcomes)).toEqual([
        ["x1", 1, false],
        ["y1", 2, false]
      ])
      expect(Option.isNone(yield* Fiber.poll(loop))).toBe(true)
    }).pipe(Effect.provide(layerWriter(probe)))
  })

  it.scoped("a system failure fails the submissions of its commit and ends the loop with it", () => {
    const probe = makeProbe()
    return Effect.gen(function* () {
      const writer = yield* CaptureWriter
      yield* seedSession("s")
      const broken = new SystemError({ operation: "append", message: "disk I/O error", code: "SQLITE_IOERR" })
      probe.failNext = broken
      const ticket = yield* writer.enqueue([ev("f1", "s")])
      const loop = yield* startLoop
      expect(yield* Effect.flip(Deferred.await(ticket))).toBe(broken)
      expect(yield* Fiber.await(loop)).toEqual(Exit.fail(broken))
    }).pipe(Effect.provide(layerWriter(probe)))
  })
})
