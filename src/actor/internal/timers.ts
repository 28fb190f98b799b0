/**
 * @internal
 * Ask timeouts without a fiber per ask. Deadlines of one duration expire in the order they were
 * set, so each duration gets a FIFO list and the next deadline is at the head of one of them; a
 * single sleeping fiber (on the tree's Clock, so TestClock drives it in tests) wakes at the
 * earliest one. A completed ask unlinks its entry at once, so nothing waits for its deadline.
 */
import { Effect, type Fiber, FiberId, Runtime } from "effect"

class Entry {
  prev: Entry | undefined = undefined
  next: Entry | undefined = undefined
  linked = true
  constructor(
    readonly deadline: number,
    readonly fire: Effect.Effect<unknown>,
    readonly list: DeadlineList
  ) {}
}

class DeadlineList {
  head: Entry | undefined = undefined
  tail: Entry | undefined = undefined

  constructor(readonly millis: number) {}

  push(entry: Entry): void {
    entry.prev = this.tail
    if (this.tail === undefined) this.head = entry
    else this.tail.next = entry
    this.tail = entry
  }

  remove(entry: Entry): void {
    if (!entry.linked) return
    entry.linked = false
    if (entry.prev === undefined) this.head = entry.next
    else entry.prev.next = entry.next
    if (entry.next === undefined) this.tail = entry.prev
    else entry.next.prev = entry.prev
    entry.prev = undefined
    entry.next = undefined
  }
}

const forkOptions: Runtime.RunForkOptions = { immediate: false }

/** The ask-timeout timer of one tree. */
export class Timers {
  private readonly lists = new Map<number, DeadlineList>()
  private sleeper: Fiber.RuntimeFiber<void, never> | undefined = undefined
  private wakeAt = Number.POSITIVE_INFINITY

  constructor(
    private readonly runtime: Runtime.Runtime<never>,
    private readonly now: () => number
  ) {}

  /** Runs `fire` after `millis` unless the returned function is called first. */
  schedule(millis: number, fire: Effect.Effect<unknown>): () => void {
    let list = this.lists.get(millis)
    if (list === undefined) {
      list = new DeadlineList(millis)
      this.lists.set(millis, list)
    }
    const entry = new Entry(this.now() + millis, fire, list)
    list.push(entry)
    if (entry.deadline < this.wakeAt) this.arm(entry.deadline)
    // The sleeper is kept when the last entry goes: the next ask most likely reuses it, and it
    // ends by itself at its deadline if nothing is left to time.
    return () => entry.list.remove(entry)
  }

  private arm(at: number): void {
    this.sleeper?.unsafeInterruptAsFork(FiberId.none)
    this.wakeAt = at
    const sleeper: Fiber.RuntimeFiber<void, never> = Runtime.runFork(
      this.runtime,
      Effect.interruptible(Effect.zipRight(
        Effect.sleep(Math.max(0, at - this.now())),
        Effect.suspend(() => (this.sleeper === sleeper ? this.expire() : Effect.void))
      )),
      forkOptions
    )
    this.sleeper = sleeper
  }

  private expire(): Effect.Effect<void> {
    this.sleeper = undefined
    this.wakeAt = Number.POSITIVE_INFINITY
    const now = this.now()
    const due: Array<Effect.Effect<unknown>> = []
    let next = Number.POSITIVE_INFINITY
    for (const [millis, list] of this.lists) {
      for (let entry = list.head; entry !== undefined && entry.deadline <= now; entry = list.head) {
        list.remove(entry)
        due.push(entry.fire)
      }
      if (list.head === undefined) this.lists.delete(millis)
      else next = Math.min(next, list.head.deadline)
    }
    if (next < Number.POSITIVE_INFINITY) this.arm(next)
    return Effect.forEach(due, (fire) => fire, { discard: true })
  }
}
