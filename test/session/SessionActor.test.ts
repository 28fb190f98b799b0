/**
 * The session actor and the live sessions, in process: the sessions' dynamic supervisor started
 * under a root as `myco run` starts it, over the memory stores, the direct lifecycle, the watch
 * hub and the capture writer. Hook events (the protocol's HookEvent, built from Claude Code's
 * recorded payloads) drive the lifecycle: the first event creates the session (by the agent), events
 * keep their order, a session end completes the session once its own event is stored, a later
 * event is stored late without reopening, a resume reopens (restoring an archived session first)
 * but its replay does not, an agent the vault does not allow is refused with nothing stored, and
 * an event naming no session is stored as unattributed. Transitions through the actors are
 * serialised (unlike concurrent direct calls, which lose races) and published once each; domain
 * failures come back typed.
 *
 * The TestClock stands still at T0 unless a test moves it; events are dated after T0, so an
 * event stored after its session's completion is late.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, DateTime, Effect, Either, PubSub, Queue, type Scope, TestClock } from "effect"
import { CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { VersionConflict } from "../../src/domain/Errors.js"
import { AgentName, SessionId } from "../../src/domain/Ids.js"
import { InvalidTransition, type TransitionRecord } from "../../src/domain/Session.js"
import type { HookEvent, WatchItem } from "../../src/protocol/Protocol.js"
import { SessionLifecycle } from "../../src/session/Lifecycle.js"
import type { Sessions } from "../../src/session/Sessions.js"
import { WatchHub } from "../../src/session/WatchHub.js"
import { EventStore } from "../../src/store/EventStore.js"
import { MemoryState } from "../../src/store/memory/index.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import {
  claudeFixture,
  claudeHook,
  layerMemoryServices,
  type MemoryServices,
  type MemoryServicesOptions,
  PROJECT_ROOT,
  startSessionsTree,
  T0,
  testVault
} from "../support/memory-vault.js"

/** Runs `body` on a fresh in-process tree (fresh memory stores), with the TestClock at T0. */
const withTree = <A, E>(
  body: (sessions: Sessions) => Effect.Effect<A, E, MemoryServices | Scope.Scope>,
  options: MemoryServicesOptions = {}
): Effect.Effect<A, unknown, Scope.Scope> =>
  Effect.gen(function* () {
    yield* TestClock.setTime(T0)
    const sessions = yield* startSessionsTree
    return yield* body(sessions)
  }).pipe(Effect.provide(layerMemoryServices(options)))

/** Submits a hook event and waits for its commit. */
const deliver = (sessions: Sessions, request: HookEvent) => Effect.flatten(sessions.submitHook(request))

/** Claude Code's hook `event` for `session`, dated `n` ms after T0, with idempotency id `id`. */
const hook = (id: string, event: string, session: string | null, n: number, fields: Record<string, unknown> = {}) =>
  claudeHook({ id, event, session, atMs: T0 + n, fields })

const start = (id: string, session: string, n: number, source: "startup" | "resume" = "startup") =>
  hook(id, "SessionStart", session, n, source === "resume" ? claudeFixture("SessionStart.resume") : claudeFixture("SessionStart"))
const prompt = (id: string, session: string, n: number, text: string) =>
  hook(id, "UserPromptSubmit", session, n, { ...claudeFixture("UserPromptSubmit"), prompt: text })
const end = (id: string, session: string, n: number) => hook(id, "SessionEnd", session, n, claudeFixture("SessionEnd"))

const SID = SessionId.make("3f2c9a4e-8b1d-4c6e-9f0a-2d7b5e1c8a93")

const historyOf = (id: SessionId) =>
  Effect.flatMap(SessionLifecycle, (l) => l.history(id)).pipe(Effect.map((h) => h.map((r) => ({ command: r.command, reason: r.reason, actor: r.actor }))))
const eventsOf = (id: SessionId) => Effect.flatMap(EventStore, (s) => s.list(id, {}))
const statusOf = (id: SessionId) => Effect.map(Effect.flatMap(SessionLifecycle, (l) => l.get(id)), (s) => s.status)

/** The payload field `data` of a stored event, as stored. */
const dataOf = (payload: unknown): unknown =>
  typeof payload === "object" && payload !== null && "data" in payload ? payload.data : undefined

/** The committed transitions published on the hub so far (drains the subscription). */
const publishedTransitions = (watcher: Queue.Dequeue<WatchItem>) =>
  Effect.map(Queue.takeAll(watcher), (items) =>
    Chunk.toReadonlyArray(items).flatMap((item): ReadonlyArray<TransitionRecord> => (item._tag === "Transitioned" ? [item.record] : []))
  )

describe("session actor: hook events drive the lifecycle", () => {
  it.scoped("the first hook event of an agent session creates it, by the agent, with what the payload says", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        const lifecycle = yield* SessionLifecycle
        const reply = yield* deliver(sessions, start("h-1", SID, 1))
        expect(reply).toEqual({ outcome: "stored", sessionId: SID, kind: "session.start", late: false })
        const session = yield* lifecycle.get(SID)
        expect(session).toMatchObject({ status: "active", agent: "claude-code", version: 1 })
        expect(session.metadata).toMatchObject({ cwd: PROJECT_ROOT, transcriptPath: `/home/dev/.claude/projects/-project/${SID}.jsonl` })
        expect(yield* historyOf(SID)).toEqual([{ command: "create", reason: "first event: SessionStart hook", actor: "agent:claude-code" }])
        const [stored] = yield* eventsOf(SID)
        expect(stored).toMatchObject({ seq: 1, kind: "session.start", late: false, idempotencyId: "h-1" })
        expect(stored?.payload).toMatchObject({ agent: "claude-code", event: "SessionStart", source: "startup" })

        // Any first event creates its session, not only a start.
        const other = SessionId.make("b7e1c2d3-0000-4000-8000-00000000c0de")
        expect(yield* deliver(sessions, prompt("h-2", other, 2, "hello"))).toMatchObject({ outcome: "stored", sessionId: other, kind: "prompt" })
        expect(yield* historyOf(other)).toEqual([{ command: "create", reason: "first event: UserPromptSubmit hook", actor: "agent:claude-code" }])
      })
    )
  )

  it.scoped("events keep the order they were submitted in, each session its own, without waiting for each commit", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        const other = SessionId.make("second-session")
        const requests = [start("o-start", SID, 0), ...Array.from({ length: 30 }, (_, i) => prompt(`o-${i}`, i % 3 === 0 ? other : SID, i + 1, `prompt ${i}`))]
        // Submitted one after the other (as the router does), committed whenever the writer gets to them.
        const waits = yield* Effect.forEach(requests, (r) => sessions.submitHook(r))
        const replies = yield* Effect.all(waits)
        expect(replies.every((r) => r.outcome === "stored" && !r.late)).toBe(true)
        const mine = yield* eventsOf(SID)
        const theirs = yield* eventsOf(other)
        expect(mine.map((e) => e.seq)).toEqual(Array.from({ length: mine.length }, (_, i) => i + 1))
        expect(mine.map((e) => e.idempotencyId)).toEqual(["o-start", ...Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 0).map((i) => `o-${i}`)])
        expect(theirs.map((e) => dataOf(e.payload))).toEqual(Array.from({ length: 10 }, (_, k) => ({ prompt: `prompt ${3 * k}` })))
        expect(theirs.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
      })
    )
  )

  it.scoped("a session end completes the session after its own event is stored: that event is not late", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        yield* deliver(sessions, start("e-1", SID, 1))
        yield* deliver(sessions, prompt("e-2", SID, 2, "fix the bug"))
        const reply = yield* deliver(sessions, end("e-3", SID, 3))
        // Answered once the session is completed: the status is final when the hook returns.
        expect(reply).toEqual({ outcome: "stored", sessionId: SID, kind: "session.end", late: false })
        expect(yield* statusOf(SID)).toBe("completed")
        expect((yield* historyOf(SID)).map((h) => [h.command, h.reason, h.actor])).toEqual([
          ["create", "first event: SessionStart hook", "agent:claude-code"],
          ["complete", "SessionEnd hook", "agent:claude-code"]
        ])
        const events = yield* eventsOf(SID)
        expect(events.map((e) => [e.kind, e.late])).toEqual([
          ["session.start", false],
          ["prompt", false],
          ["session.end", false]
        ])
        expect((yield* Effect.flatMap(SessionLifecycle, (l) => l.get(SID))).counters).toEqual({ events: 3, lateEvents: 0 })
      })
    )
  )

  it.scoped("a later event is stored flagged late and does not reopen the session (nor does a start that is not a resume)", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        yield* deliver(sessions, start("l-1", SID, 1))
        yield* deliver(sessions, end("l-2", SID, 2))
        expect(yield* deliver(sessions, prompt("l-3", SID, 10, "too late"))).toEqual({ outcome: "stored", sessionId: SID, kind: "prompt", late: true })
        expect(yield* deliver(sessions, start("l-4", SID, 11, "startup"))).toMatchObject({ outcome: "stored", late: true })
        expect(yield* statusOf(SID)).toBe("completed")
        expect((yield* historyOf(SID)).map((h) => h.command)).toEqual(["create", "complete"])
        expect((yield* eventsOf(SID)).map((e) => [e.idempotencyId, e.late])).toEqual([
          ["l-1", false],
          ["l-2", false],
          ["l-3", true],
          ["l-4", true]
        ])
        expect((yield* Effect.flatMap(SessionLifecycle, (l) => l.get(SID))).counters).toEqual({ events: 4, lateEvents: 2 })
      })
    )
  )

  it.scoped("a resume reopens a completed session; a replay of that same event does not", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        yield* deliver(sessions, start("r-1", SID, 1))
        yield* deliver(sessions, end("r-2", SID, 2))
        const resume = start("r-3", SID, 3, "resume")
        expect(yield* deliver(sessions, resume)).toEqual({ outcome: "stored", sessionId: SID, kind: "session.start", late: false })
        expect(yield* statusOf(SID)).toBe("active")
        yield* deliver(sessions, end("r-4", SID, 4))
        expect(yield* statusOf(SID)).toBe("completed")
        // The hook timed out after the commit and spooled its event: the replay changes nothing.
        expect(yield* deliver(sessions, resume)).toMatchObject({ outcome: "duplicate", sessionId: SID })
        expect(yield* statusOf(SID)).toBe("completed")
        expect(yield* historyOf(SID)).toEqual([
          { command: "create", reason: "first event: SessionStart hook", actor: "agent:claude-code" },
          { command: "complete", reason: "SessionEnd hook", actor: "agent:claude-code" },
          { command: "reopen", reason: "SessionStart hook (resume)", actor: "agent:claude-code" },
          { command: "complete", reason: "SessionEnd hook", actor: "agent:claude-code" }
        ])
        expect((yield* eventsOf(SID)).map((e) => e.idempotencyId)).toEqual(["r-1", "r-2", "r-3", "r-4"])
      })
    )
  )

  it.scoped("a resume of an archived session restores it first, then reopens it", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        yield* deliver(sessions, start("a-1", SID, 1))
        yield* deliver(sessions, end("a-2", SID, 2))
        yield* sessions.transition(SID, "process", { reason: "summarised", actor: "intelligence" })
        yield* sessions.transition(SID, "archive", {})
        expect(yield* statusOf(SID)).toBe("archived")
        expect(yield* deliver(sessions, start("a-3", SID, 3, "resume"))).toMatchObject({ outcome: "stored", late: false })
        expect(yield* statusOf(SID)).toBe("active")
        expect((yield* historyOf(SID)).map((h) => [h.command, h.actor])).toEqual([
          ["create", "agent:claude-code"],
          ["complete", "agent:claude-code"],
          ["process", "intelligence"],
          ["archive", "cli"],
          ["restore", "agent:claude-code"],
          ["reopen", "agent:claude-code"]
        ])
      })
    )
  )

  it.scoped("an agent the vault does not allow is refused, and nothing at all is stored", () =>
    withTree(
      (sessions) =>
        Effect.gen(function* () {
          const state = yield* MemoryState
          const events = yield* EventStore
          expect(yield* deliver(sessions, start("n-1", SID, 1))).toEqual({ outcome: "refused", sessionId: SID, kind: "session.start", late: false })
          expect(yield* deliver(sessions, prompt("n-2", SID, 2, "anyone?"))).toMatchObject({ outcome: "refused" })
          expect(yield* Effect.flip(Effect.flatMap(SessionLifecycle, (l) => l.get(SID)))).toMatchObject({ _tag: "SessionNotFound" })
          expect(yield* Effect.flatMap(SessionStore, (s) => s.list({}))).toEqual([])
          expect(state.eventIds.size).toBe(0)
          expect((yield* events.unattributedSummary).count).toBe(0)
          // An allowed agent still gets its session.
          const cursor = claudeHook({ id: "n-3", event: "sessionStart", session: "cursor-conv-1", atMs: T0 + 3, agent: "cursor" })
          expect(yield* deliver(sessions, cursor)).toMatchObject({ outcome: "stored" })
        }),
      { vault: testVault({ agents: { allowed: [AgentName.make("cli"), AgentName.make("cursor")] } }) }
    )
  )

  it.scoped("an event that names no session is stored as unattributed, once", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        const events = yield* EventStore
        const orphan = hook("u-1", "Stop", null, 1, claudeFixture("Stop"))
        expect(yield* deliver(sessions, orphan)).toEqual({ outcome: "unattributed", sessionId: null, kind: "turn.end", late: false })
        expect(yield* deliver(sessions, orphan)).toEqual({ outcome: "duplicate", sessionId: null, kind: "turn.end", late: false })
        const summary = yield* events.unattributedSummary
        expect(summary.count).toBe(1)
        expect(summary.newest).toMatchObject({ agent: "claude-code", event: "Stop", reason: "the payload names no session" })
        expect(yield* Effect.flatMap(SessionStore, (s) => s.list({}))).toEqual([])
      })
    )
  )
})

describe("session actor: transitions", () => {
  it.scoped("concurrent transitions of one session are serialised by its actor, and each is published once", () =>
    withTree(
      (sessions) =>
        Effect.gen(function* () {
          const hub = yield* WatchHub
          const lifecycle = yield* SessionLifecycle
          const watcher = yield* PubSub.subscribe(hub)
          yield* deliver(sessions, start("t-1", SID, 1))
          const race = (command: "complete" | "reopen") =>
            Effect.all(
              Array.from({ length: 4 }, () => Effect.either(sessions.transition(SID, command, { actor: "racer" }))),
              { concurrency: "unbounded" }
            )
          for (const command of ["complete", "reopen", "complete"] as const) {
            const results = yield* race(command)
            // Each saw the one before it: one wins, the others find the move no longer applies.
            expect(results.filter(Either.isRight)).toHaveLength(1)
            expect(results.flatMap((r) => (Either.isLeft(r) ? [r.left] : [])).every((e) => e instanceof InvalidTransition)).toBe(true)
          }
          const history = yield* lifecycle.history(SID)
          expect(history.map((r) => [r.version, r.command])).toEqual([
            [1, "create"],
            [2, "complete"],
            [3, "reopen"],
            [4, "complete"]
          ])
          // Published once each, in order, with exactly the records written.
          expect(yield* publishedTransitions(watcher)).toEqual(history)
        }),
      { yieldingReads: true }
    )
  )

  it.scoped("concurrent direct lifecycle calls, not serialised, lose the race with a typed VersionConflict", () =>
    withTree(
      () =>
        Effect.gen(function* () {
          // The control for the test above: the same race without the actor.
          const lifecycle = yield* SessionLifecycle
          yield* lifecycle.create({ agent: AgentName.make("cli"), id: SID })
          const results = yield* Effect.all(
            Array.from({ length: 4 }, () => Effect.either(lifecycle.transition(SID, "complete", {}))),
            { concurrency: "unbounded" }
          )
          const lost = results.flatMap((r) => (Either.isLeft(r) ? [r.left] : []))
          expect(results.filter(Either.isRight)).toHaveLength(1)
          expect(lost).toHaveLength(3)
          for (const error of lost) {
            expect(error).toBeInstanceOf(VersionConflict)
            expect(error).toMatchObject({ sessionId: SID, expectedVersion: 1, expectedStatus: "active", actualVersion: 2, actualStatus: "completed" })
          }
          expect((yield* lifecycle.history(SID)).map((r) => r.command)).toEqual(["create", "complete"])
        }),
      { yieldingReads: true }
    )
  )

  it.scoped("domain failures come back typed: VersionConflict, InvalidTransition, SessionNotFound", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        yield* deliver(sessions, start("v-1", SID, 1))
        yield* sessions.transition(SID, "complete", {})
        const stale = yield* Effect.flip(sessions.transition(SID, "reopen", { expectedVersion: 1 }))
        expect(stale).toBeInstanceOf(VersionConflict)
        expect(stale).toMatchObject({ _tag: "VersionConflict", sessionId: SID, expectedVersion: 1, actualVersion: 2, actualStatus: "completed" })
        const invalid = yield* Effect.flip(sessions.transition(SID, "restore", {}))
        expect(invalid).toBeInstanceOf(InvalidTransition)
        expect(invalid).toMatchObject({ _tag: "InvalidTransition" })
        const missing = yield* Effect.flip(sessions.transition(SessionId.make("no-such-session"), "complete", {}))
        expect(missing).toMatchObject({ _tag: "SessionNotFound", sessionId: "no-such-session" })
        // None of them changed anything.
        expect((yield* historyOf(SID)).map((h) => h.command)).toEqual(["create", "complete"])
        // With the right version it goes through.
        expect((yield* sessions.transition(SID, "reopen", { expectedVersion: 2 })).session).toMatchObject({ status: "active", version: 3 })
      })
    )
  )
})

describe("live sessions: captures", () => {
  it.scoped("a capture spanning sessions is answered in the order of its events; an unknown session fails it typed", () =>
    withTree((sessions) =>
      Effect.gen(function* () {
        const lifecycle = yield* SessionLifecycle
        const a = SessionId.make("cap-a")
        const b = SessionId.make("cap-b")
        yield* lifecycle.create({ agent: AgentName.make("cli"), id: a })
        yield* lifecycle.create({ agent: AgentName.make("cli"), id: b })
        const ev = (id: string, session: SessionId) =>
          new CapturedEvent({ idempotencyId: IdempotencyId.make(id), sessionId: session, kind: EventKind.make("note"), at: DateTime.unsafeMake(T0 + 1), payload: { id } })
        const outcomes = yield* sessions.capture([ev("c1", a), ev("c2", b), ev("c3", a), ev("c4", b), ev("c5", a)])
        expect(outcomes.map((o) => [o.idempotencyId, o.seq, o.duplicate])).toEqual([
          ["c1", 1, false],
          ["c2", 1, false],
          ["c3", 2, false],
          ["c4", 2, false],
          ["c5", 3, false]
        ])
        expect((yield* sessions.capture([ev("c3", a)]))[0]).toMatchObject({ seq: 2, duplicate: true })
        expect(yield* Effect.flip(sessions.capture([ev("c6", SessionId.make("cap-ghost"))]))).toMatchObject({ _tag: "SessionNotFound", sessionId: "cap-ghost" })
      })
    )
  )
})
