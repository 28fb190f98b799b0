/**
 * The batching capture writer: the one path by which captured events reach the database while
 * the supervisor runs. Submissions wait in a bounded queue (a full queue makes submitters wait:
 * backpressure, not memory); one fiber takes everything that is waiting and commits it in a
 * single transaction (group commit), then acknowledges each submission with its outcomes. Only
 * then is an event acknowledged. The queue is FIFO and commits are sequential, so events keep
 * the order in which they were submitted, per session and overall.
 *
 * A commit that fails because the disk is full fails its whole group at once (a typed
 * TransientError of code DISK_FULL, never an acknowledgement: the hooks spool those events) and
 * pauses intake (IntakePause.ts); while paused, every group is refused the same way without
 * touching the store, and the loop goes on: it resumes committing once the pause is over.
 */
import { Cause, Context, Deferred, Effect, Exit, Layer, Option, Queue, Ref } from "effect"
import type { SessionNotFound } from "../domain/Errors.js"
import { AgentError, isDiskFull, type SystemError } from "../domain/Failure.js"
import { boundedText } from "../lean/Json.js"
import type { AppendOutcome, CapturedEvent } from "../domain/Event.js"
import { ShuttingDown } from "../protocol/Protocol.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import { EventStore } from "../store/EventStore.js"
import { IntakePause } from "./IntakePause.js"

/** Counters of what the writer did. */
export interface IngestStats {
  readonly queueDepth: number
  readonly queueCapacity: number
  readonly eventsCommitted: number
  readonly duplicates: number
  readonly lateEvents: number
  readonly batchesCommitted: number
}

/** Writer settings. */
export interface CaptureWriterOptions {
  /** How many submissions may wait. */
  readonly queueCapacity: number
  /** Most events committed in one transaction. */
  readonly maxBatchEvents: number
}

/**
 * How a submission can fail: its session is gone, the store failed, the writer is stopping, or one
 * of its events could not be stored at all (a defect while storing it: the poison fails alone).
 */
export type SubmitError = SessionNotFound | StoreFailure | ShuttingDown | AgentError

const systemFailureOf = (exit: Exit.Exit<unknown, SubmitError>): SystemError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const failure = Cause.failureOption(exit.cause)
  return Option.isSome(failure) && failure.value._tag === "SystemError" ? failure.value : undefined
}

interface Pending {
  readonly events: ReadonlyArray<CapturedEvent>
  readonly done: Deferred.Deferred<ReadonlyArray<AppendOutcome>, SubmitError>
}

/** Lets the event loop run its I/O phase (a macrotask), then resumes. */
const yieldToEventLoop = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** The capture writer service. */
export class CaptureWriter extends Context.Tag("myco/CaptureWriter")<
  CaptureWriter,
  {
    /**
     * Queues `events` to be committed (with whatever else is waiting) and returns the handle of
     * their outcomes at once: a caller that queues in order gets its events committed in order,
     * without waiting for one commit before queueing the next.
     */
    readonly enqueue: (
      events: ReadonlyArray<CapturedEvent>
    ) => Effect.Effect<Deferred.Deferred<ReadonlyArray<AppendOutcome>, SubmitError>, ShuttingDown>
    /** Queues `events` and waits for their outcomes. */
    readonly submit: (events: ReadonlyArray<CapturedEvent>) => Effect.Effect<ReadonlyArray<AppendOutcome>, SubmitError>
    readonly stats: Effect.Effect<IngestStats>
    /** Refuses new submissions and waits until everything submitted is committed. */
    readonly drain: Effect.Effect<void>
    /**
     * The committing loop. It runs under the supervision tree (see daemon/Daemon.ts), so that a
     * restart keeps the queue, and what waits in it, intact. It fails only with a SystemError,
     * after handing that error to the submissions of the failed commit and to every submission
     * waiting behind it; from then on the writer refuses every submission with that error (the
     * store may not be written again: nothing more is acknowledged).
     */
    readonly commitLoop: Effect.Effect<never, SystemError>
  }
>() {}

/**
 * Told of every committed group of events (the watchers' hub implements it: session/WatchHub.ts),
 * so that the writer does not need to know who listens.
 */
export class CommitObserver extends Context.Tag("myco/CommitObserver")<
  CommitObserver,
  { readonly committed: (events: ReadonlyArray<CapturedEvent>, outcomes: ReadonlyArray<AppendOutcome>) => Effect.Effect<void> }
>() {}

/** An observer that ignores commits (no watchers: tests, tools). */
export const layerNoCommitObserver: Layer.Layer<CommitObserver> = Layer.succeed(CommitObserver, { committed: () => Effect.void })

/** The writer, with its committing fiber living as long as the layer. */
export const layerCaptureWriter = (
  options: CaptureWriterOptions
): Layer.Layer<CaptureWriter, never, EventStore | CommitObserver | IntakePause> =>
  Layer.effect(
    CaptureWriter,
    Effect.gen(function* () {
      const store = yield* EventStore
      const observer = yield* CommitObserver
      const intake = yield* IntakePause
      const queue = yield* Queue.bounded<Pending>(options.queueCapacity)
      const accepting = yield* Ref.make(true)
      const busy = yield* Ref.make(false)
      const counters = yield* Ref.make({ eventsCommitted: 0, duplicates: 0, lateEvents: 0, batchesCommitted: 0 })
      const idle = yield* Ref.make<ReadonlyArray<Deferred.Deferred<void>>>([])
      // Set by a commit that failed with a SystemError: the store must not be written again by
      // this process, so everything queued and everything submitted later fails with it at once.
      const broken = yield* Ref.make<SystemError | undefined>(undefined)

      const publish = observer.committed

      const count = (outcomes: ReadonlyArray<AppendOutcome>) =>
        Ref.update(counters, (c) => ({
          eventsCommitted: c.eventsCommitted + outcomes.filter((o) => !o.duplicate).length,
          duplicates: c.duplicates + outcomes.filter((o) => o.duplicate).length,
          lateEvents: c.lateEvents + outcomes.filter((o) => o.late && !o.duplicate).length,
          batchesCommitted: c.batchesCommitted + 1
        }))

      /**
       * Appends, turning a defect while storing (an event no code path expected) into a failure of
       * this append only, so that it fails its own submissions and the loop goes on.
       */
      const append = (batch: ReadonlyArray<CapturedEvent>) =>
        store.append(batch).pipe(
          Effect.catchAllDefect((defect) =>
            Effect.fail(new AgentError({ actor: "capture-writer", message: `an event could not be stored: ${boundedText(String(defect), 500)}` }))
          )
        )

      /** Commits one submission alone: used when a group failed, so that one bad event fails only its own. */
      const commitAlone = (p: Pending) =>
        intake.watch(append(p.events)).pipe(
          Effect.tap((outcomes) => Effect.zipRight(count(outcomes), publish(p.events, outcomes))),
          Effect.exit,
          Effect.tap((exit) => Deferred.done(p.done, exit)),
          Effect.map(systemFailureOf)
        )

      /** Commits a group; returns the SystemError that must stop the loop, if one happened. */
      const commitGroup = (group: ReadonlyArray<Pending>): Effect.Effect<SystemError | undefined> => {
        const events = group.flatMap((p) => p.events)
        const failAll = (error: SubmitError) => Effect.as(Effect.forEach(group, (p) => Deferred.fail(p.done, error), { discard: true }), undefined)
        return Effect.either(intake.guard("capture", events.length)).pipe(
          Effect.flatMap((open) => (open._tag === "Left" ? failAll(open.left) : commitOpen(group, events, failAll)))
        )
      }

      /** Commits a group while intake is open; a full disk fails the whole group and pauses intake. */
      const commitOpen = (
        group: ReadonlyArray<Pending>,
        events: ReadonlyArray<CapturedEvent>,
        failAll: (error: SubmitError) => Effect.Effect<undefined>
      ): Effect.Effect<SystemError | undefined> =>
        intake.watch(append(events)).pipe(
          Effect.matchEffect({
            onSuccess: (outcomes) =>
              Effect.gen(function* () {
                yield* count(outcomes)
                yield* publish(events, outcomes)
                let offset = 0
                for (const p of group) {
                  yield* Deferred.succeed(p.done, outcomes.slice(offset, offset + p.events.length))
                  offset += p.events.length
                }
                return undefined
              }),
            onFailure: (error) =>
              isDiskFull(error)
                ? failAll(error)
                : group.length === 1
                ? Effect.as(
                    Effect.forEach(group, (p) => Deferred.fail(p.done, error), { discard: true }),
                    error._tag === "SystemError" ? error : undefined
                  )
                : Effect.map(Effect.forEach(group, commitAlone), (failures) => failures.find((f) => f !== undefined))
          })
        )

      const takeGroup = Effect.gen(function* () {
        const first = yield* Queue.take(queue)
        // Busy from the moment a submission is taken: a drain must not think the queue is done
        // while this group waits for the event loop below.
        yield* Ref.set(busy, true)
        // A commit runs synchronously (better-sqlite3) and blocks the event loop: let it read the
        // sockets once before gathering, so that the requests that arrived meanwhile join this
        // commit instead of each waiting for one of their own.
        yield* yieldToEventLoop
        const group: Array<Pending> = [first]
        let size = first.events.length
        while (size < options.maxBatchEvents) {
          const next = yield* Queue.poll(queue)
          if (Option.isNone(next)) break
          group.push(next.value)
          size += next.value.events.length
        }
        return group
      })

      const commitLoop = Effect.forever(
        Effect.gen(function* () {
          const group = yield* takeGroup
          yield* Ref.set(busy, true)
          const failure = yield* commitGroup(group)
          yield* Ref.set(busy, false)
          if ((yield* Queue.size(queue)) <= 0) {
            for (const waiter of yield* Ref.getAndSet(idle, [])) yield* Deferred.succeed(waiter, undefined)
          }
          if (failure !== undefined) {
            yield* Ref.set(broken, failure)
            for (const waiting of yield* Queue.takeAll(queue)) yield* Deferred.fail(waiting.done, failure)
            for (const waiter of yield* Ref.getAndSet(idle, [])) yield* Deferred.succeed(waiter, undefined)
            return yield* failure
          }
        })
      )

      const enqueue = (events: ReadonlyArray<CapturedEvent>) =>
        Effect.gen(function* () {
          if (!(yield* Ref.get(accepting))) return yield* new ShuttingDown()
          const done = yield* Deferred.make<ReadonlyArray<AppendOutcome>, SubmitError>()
          const failure = yield* Ref.get(broken)
          if (failure !== undefined) {
            yield* Deferred.fail(done, failure)
            return done
          }
          yield* Queue.offer(queue, { events, done })
          return done
        })
      const submit = (events: ReadonlyArray<CapturedEvent>) => Effect.flatMap(enqueue(events), Deferred.await)

      // Queue.size counts waiting takers as negative: an idle loop blocked on take reads as -1.
      const drain = Effect.gen(function* () {
        yield* Ref.set(accepting, false)
        if ((yield* Ref.get(broken)) !== undefined) return
        if ((yield* Queue.size(queue)) <= 0 && !(yield* Ref.get(busy))) return
        const waiter = yield* Deferred.make<void>()
        yield* Ref.update(idle, (ws) => [...ws, waiter])
        // The loop may have gone idle between the check and the registration.
        if ((yield* Queue.size(queue)) <= 0 && !(yield* Ref.get(busy))) return
        yield* Deferred.await(waiter)
      })

      const stats = Effect.gen(function* () {
        const c = yield* Ref.get(counters)
        return { ...c, queueDepth: Math.max(0, yield* Queue.size(queue)), queueCapacity: options.queueCapacity }
      })

      return CaptureWriter.of({ enqueue, submit, stats, drain, commitLoop })
    })
  )
