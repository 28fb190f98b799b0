/**
 * Test kit for the actor kernel: a recorder that behaviours write events to (in order, and on a
 * queue the test can wait on), a configurable probe behaviour, and TestClock helpers. No real
 * sleeps anywhere: tests wait on events, replies and monitors, and move time with TestClock.
 */
import { Chunk, Clock, Deferred, type Duration, Effect, Logger, LogLevel, Queue, TestClock } from "effect"
import type { Scope } from "effect"
import { Behavior, type ExitReason, type Reply } from "../../src/actor/index.js"
import type { ActorContext } from "../../src/actor/Behavior.js"

export interface Recorder {
  /** Every event so far, in order. */
  readonly log: Array<string>
  readonly record: (event: string) => Effect.Effect<void>
  /** Waits for the next event not yet taken. */
  readonly next: Effect.Effect<string>
  /** Waits until an event equal to `event` arrives, skipping others. */
  readonly waitFor: (event: string) => Effect.Effect<void>
}

export const makeRecorder: Effect.Effect<Recorder> = Effect.map(Queue.unbounded<string>(), (queue) => {
  const log: Array<string> = []
  const next = Queue.take(queue)
  const waitFor = (event: string): Effect.Effect<void> =>
    Effect.flatMap(next, (taken) => (taken === event ? Effect.void : waitFor(event)))
  return {
    log,
    record: (event) =>
      Effect.suspend(() => {
        log.push(event)
        return Queue.offer(queue, event)
      }),
    next,
    waitFor
  }
})

export interface ProbeState {
  readonly id: string
  readonly incarnation: number
  readonly received: ReadonlyArray<string>
}

/** A one-shot flag carried by a message, so that a redelivered message behaves differently. */
export interface Once {
  fired: boolean
}

export type ProbeMsg =
  | { readonly _tag: "Record"; readonly label: string }
  | { readonly _tag: "Get"; readonly reply: Reply.Reply<ProbeState> }
  | { readonly _tag: "Crash"; readonly once?: Once }
  | { readonly _tag: "Fail"; readonly error: unknown; readonly once?: Once }
  | { readonly _tag: "Throw"; readonly error: unknown }
  | { readonly _tag: "Stop" }
  | { readonly _tag: "Block"; readonly until: Deferred.Deferred<void> }
  | { readonly _tag: "Forever"; readonly once?: Once }

export const Get = (reply: Reply.Reply<ProbeState>): ProbeMsg => ({ _tag: "Get", reply })
export const record = (label: string): ProbeMsg => ({ _tag: "Record", label })
export const crash: ProbeMsg = { _tag: "Crash" }
export const crashOnce = (): ProbeMsg => ({ _tag: "Crash", once: { fired: false } })
export const fail = (error: unknown): ProbeMsg => ({ _tag: "Fail", error })
export const stop: ProbeMsg = { _tag: "Stop" }
export const forever: ProbeMsg = { _tag: "Forever" }
export const foreverOnce = (): ProbeMsg => ({ _tag: "Forever", once: { fired: false } })

export interface ProbeOptions {
  /** Init sleeps this long (on the TestClock) before it records itself. */
  readonly initSleep?: Duration.DurationInput
  /** Init fails with this error on the incarnations for which it returns something. */
  readonly failInit?: (incarnation: number) => unknown
  /** The terminate hook never returns. */
  readonly hangInTerminate?: boolean
}

const fired = (once: Once | undefined): boolean => {
  if (once === undefined) return false
  if (once.fired) return true
  once.fired = true
  return false
}

const reasonOf = (reason: ExitReason.ExitReason): string =>
  reason._tag === "Failure" ? `Failure(${reason.failure._tag})` : reason._tag

/**
 * A behaviour that records `<id>:init@<time>`, `<id>:release` (its Scope finalizer),
 * `<id>:terminate:<reason>` and `<id>:<label>` for `Record` messages.
 */
export const probe = (id: string, recorder: Recorder, options?: ProbeOptions) => {
  let incarnations = 0
  return Behavior.make({
    init: (): Effect.Effect<ProbeState, unknown, Scope.Scope> =>
      Effect.gen(function*() {
        const incarnation = ++incarnations
        if (options?.initSleep !== undefined) yield* Effect.sleep(options.initSleep)
        const now = yield* Clock.currentTimeMillis
        const error = options?.failInit?.(incarnation)
        if (error !== undefined) {
          yield* recorder.record(`${id}:init-failed@${now}`)
          return yield* Effect.fail(error)
        }
        yield* Effect.addFinalizer(() => recorder.record(`${id}:release`))
        yield* recorder.record(`${id}:init@${now}`)
        return { id, incarnation, received: [] }
      }),
    receive: (state: ProbeState, message: ProbeMsg, context: ActorContext<ProbeMsg>): Effect.Effect<ProbeState, unknown> => {
      switch (message._tag) {
        case "Record":
          return Effect.as(recorder.record(`${id}:${message.label}`), { ...state, received: [...state.received, message.label] })
        case "Get":
          return Effect.as(message.reply.succeed(state), state)
        case "Crash":
          return fired(message.once) ? Effect.succeed({ ...state, received: [...state.received, "crash"] }) : Effect.die(new Error(`${id} crashed`))
        case "Fail":
          return fired(message.once) ? Effect.succeed(state) : Effect.fail(message.error)
        case "Throw":
          throw message.error
        case "Stop":
          return Effect.as(context.stop, state)
        case "Block":
          return Effect.as(Deferred.await(message.until), { ...state, received: [...state.received, "block"] })
        case "Forever":
          return fired(message.once)
            ? Effect.succeed({ ...state, received: [...state.received, "forever"] })
            : Effect.zipRight(recorder.record(`${id}:forever`), Effect.never)
      }
    },
    terminate: (_state: ProbeState, reason: ExitReason.ExitReason) =>
      Effect.zipRight(recorder.record(`${id}:terminate:${reasonOf(reason)}`), options?.hangInTerminate === true ? Effect.never : Effect.void)
  })
}

/** Waits (by yielding, never by sleeping) until the TestClock has a sleep ending at `at`. */
export const awaitSleepUntil = (at: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.some(sleeps, (end) => end === at)) return
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`no sleep ends at ${at}`)
  })

/** Lets other fibers run for a while (scheduling rounds, not time). */
export const settle: Effect.Effect<void> = Effect.repeatN(Effect.yieldNow(), 200)

/** Silences the kernel's logs (failures are expected in these tests). */
export const quiet = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Logger.withMinimumLogLevel(effect, LogLevel.None)
