/**
 * Benchmark of the actor kernel (src/actor) against raw Effect primitives, in one run:
 *
 * - tell throughput vs a raw Effect Queue (offer/take of the same count), both bounded with the
 *   mailbox's capacity and unbounded; the ratio is taken against the faster of the two;
 * - ask round trip vs a raw Deferred round trip through a Queue;
 * - heap bytes per live idle actor, with 100,000 actors under a registry;
 * - spawn rate (DynamicSupervisor.startChild);
 * - restart latency p50/p99 (crash -> replacement initialized) under a one_for_one supervisor,
 *   with logging off (the kernel's own cost, the budgeted figure) and with every log line
 *   formatted as JSON (the cost a daemon with structured logs pays).
 *
 * Budgets (docs/operations.md, budgets): tell >= 50% of raw Queue, <= 4 KiB per live idle actor, restart
 * p99 <= 1 ms. Prints human-readable lines and ends with one line of JSON.
 *
 * Run: npx tsx scripts/bench-actors.ts (re-executes itself with --expose-gc when needed).
 */
import { spawnSync } from "node:child_process"
import { performance } from "node:perf_hooks"
import { Deferred, Effect, Fiber, Logger, LogLevel, Queue } from "effect"
import { Actor, Behavior, ChildSpec, DynamicSupervisor, Registry, Reply, Supervisor } from "../src/actor/index.js"

const gc: (() => void) | undefined = typeof globalThis.gc === "function" ? globalThis.gc : undefined

if (gc === undefined) {
  const result = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit"
  })
  process.exit(result.status ?? 1)
}

const forceGc = (): void => {
  if (gc === undefined) return
  for (let i = 0; i < 4; i++) gc()
}

const TELLS = 100_000
const ASKS = 20_000
const IDLE_ACTORS = 100_000
const SPAWNS = 20_000
const RESTARTS = 5_000
const ROUNDS = 3

const line = (text: string): void => {
  console.log(text)
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] ?? 0
}

const timed = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<number, E> =>
  Effect.suspend(() => {
    const start = performance.now()
    return Effect.map(effect, () => performance.now() - start)
  })

// --- tell vs Queue ---------------------------------------------------------------------------

const rawQueue = (make: Effect.Effect<Queue.Queue<number>>) => Effect.gen(function*() {
  const queue = yield* make
  const consumer = yield* Effect.fork(Effect.repeatN(Queue.take(queue), TELLS - 1))
  for (let i = 0; i < TELLS; i++) yield* Queue.offer(queue, i)
  yield* Fiber.join(consumer)
})

type CountMsg = { readonly _tag: "Inc" } | { readonly _tag: "Done"; readonly reply: Reply.Reply<number> }
const Inc: CountMsg = { _tag: "Inc" }
const Done = (reply: Reply.Reply<number>): CountMsg => ({ _tag: "Done", reply })

const counting = Behavior.make({
  init: () => Effect.succeed(0),
  receive: (count: number, message: CountMsg) =>
    message._tag === "Inc" ? Effect.succeed(count + 1) : Effect.as(message.reply.succeed(count), count)
})

const actorTells = Effect.scoped(Effect.gen(function*() {
  const ref = yield* Actor.spawn(counting, { capacity: 1024 })
  for (let i = 0; i < TELLS; i++) yield* ref.tell(Inc)
  const count = yield* ref.ask(Done, { timeout: "60 seconds" })
  if (count !== TELLS) return yield* Effect.dieMessage(`actor counted ${count} of ${TELLS}`)
}))

// --- ask vs Deferred -------------------------------------------------------------------------

const rawDeferred = Effect.gen(function*() {
  const queue = yield* Queue.bounded<Deferred.Deferred<number>>(1024)
  const server = yield* Effect.fork(Effect.forever(Effect.flatMap(Queue.take(queue), (d) => Deferred.succeed(d, 1))))
  for (let i = 0; i < ASKS; i++) {
    const deferred = yield* Deferred.make<number>()
    yield* Queue.offer(queue, deferred)
    yield* Deferred.await(deferred)
  }
  yield* Fiber.interrupt(server)
})

type PingMsg = { readonly reply: Reply.Reply<number> } | { readonly events: number }
const Ping = (reply: Reply.Reply<number>): PingMsg => ({ reply })
const ponging = Behavior.make({
  init: () => Effect.succeed(0),
  receive: (state: number, message: PingMsg) => ("reply" in message ? Effect.as(message.reply.succeed(1), state) : Effect.succeed(state))
})

const actorAsks = Effect.scoped(Effect.gen(function*() {
  const ref = yield* Actor.spawn(ponging)
  for (let i = 0; i < ASKS; i++) yield* ref.ask(Ping)
}))

// --- memory, spawn, restart ------------------------------------------------------------------

interface Session {
  readonly events: number
}

const session = ChildSpec.template(
  Behavior.make({
    init: (): Effect.Effect<Session> => Effect.succeed({ events: 0 }),
    receive: (state: Session, message: PingMsg) =>
      "reply" in message ? Effect.as(message.reply.succeed(state.events), state) : Effect.succeed({ events: state.events + message.events })
  })
)

const idleActorHeap = Effect.scoped(Effect.gen(function*() {
  const supervisor = yield* DynamicSupervisor.start("sessions", { template: session })
  const registry = yield* Registry.make(supervisor, { idleTimeout: "1 hour" })
  const keys = Array.from({ length: IDLE_ACTORS }, (_, i) => `session-${i}`)
  forceGc()
  const before = process.memoryUsage().heapUsed
  const start = performance.now()
  // Activate every actor with one message, then make sure each has handled it (it is idle).
  for (const key of keys) yield* registry.tell(key, { events: 1 })
  for (const key of keys) yield* registry.ask(key, Ping, { timeout: "60 seconds" })
  const activationMs = performance.now() - start
  forceGc()
  const after = process.memoryUsage().heapUsed
  const live = yield* registry.size
  if (live !== IDLE_ACTORS) return yield* Effect.dieMessage(`expected ${IDLE_ACTORS} live actors, got ${live}`)
  return { bytesPerActor: (after - before) / IDLE_ACTORS, activationsPerSecond: IDLE_ACTORS / (activationMs / 1000) }
}))

const spawnRate = Effect.scoped(Effect.gen(function*() {
  const supervisor = yield* DynamicSupervisor.start("spawned", { template: session })
  const ms = yield* timed(Effect.gen(function*() {
    for (let i = 0; i < SPAWNS; i++) yield* DynamicSupervisor.startChild(supervisor, `child-${i}`)
  }))
  return SPAWNS / (ms / 1000)
}))

type CrashMsg = { readonly fired: { value: boolean } }

const restartLatency = (logging: "off" | "json") => Effect.scoped(Effect.gen(function*() {
  const samples: Array<number> = []
  let crashedAt = 0
  // The driver allocates as little as it can (no Deferred per round): its garbage would trigger
  // collections that land inside the measured windows.
  let wake: ((effect: Effect.Effect<void>) => void) | undefined
  let replacements = 0
  let awaited = 0
  const worker = ChildSpec.worker(
    "crashy",
    Behavior.make({
      init: () =>
        Effect.sync(() => {
          if (crashedAt > 0) {
            samples.push(performance.now() - crashedAt)
            crashedAt = 0
            replacements++
            const resume = wake
            wake = undefined
            resume?.(Effect.void)
          }
          return 0
        }),
      receive: (state: number, message: CrashMsg) => {
        // The message is redelivered after the restart: crash only on its first delivery.
        if (message.fired.value) return Effect.succeed(state)
        message.fired.value = true
        crashedAt = performance.now()
        return Effect.die("crash")
      }
    })
  )
  const supervisor = yield* Supervisor.start("bench", {
    strategy: "one_for_one",
    intensity: 1_000_000_000,
    children: [worker]
  })
  const ref = yield* Supervisor.lookup(supervisor, worker)
  const replaced = Effect.async<void>((resume) => {
    if (replacements > awaited) {
      awaited++
      resume(Effect.void)
      return
    }
    wake = (effect) => {
      awaited++
      resume(effect)
    }
  })
  for (let i = 0; i < RESTARTS; i++) {
    yield* ref.tell({ fired: { value: false } })
    yield* replaced
  }
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: percentile(samples, 100),
    over1ms: samples.filter((sample) => sample > 1).length,
    count: samples.length
  }
})).pipe(
  logging === "off"
    ? Logger.withMinimumLogLevel(LogLevel.None)
    // Every line is formatted as a daemon would, then dropped instead of written to the terminal.
    : Effect.provide(Logger.replace(Logger.defaultLogger, Logger.map(Logger.jsonLogger, (line) => line.length)))
)

// --- run -------------------------------------------------------------------------------------

const program = Effect.gen(function*() {
  const bounded = rawQueue(Queue.bounded<number>(1024))
  const unbounded = rawQueue(Queue.unbounded<number>())
  // Warm up the JIT on every path before measuring.
  yield* bounded
  yield* unbounded
  yield* actorTells
  yield* rawDeferred
  yield* actorAsks

  const boundedMs: Array<number> = []
  const unboundedMs: Array<number> = []
  const tellMs: Array<number> = []
  const deferredMs: Array<number> = []
  const askMs: Array<number> = []
  for (let round = 0; round < ROUNDS; round++) {
    boundedMs.push(yield* timed(bounded))
    unboundedMs.push(yield* timed(unbounded))
    tellMs.push(yield* timed(actorTells))
    deferredMs.push(yield* timed(rawDeferred))
    askMs.push(yield* timed(actorAsks))
  }
  const boundedPerSecond = TELLS / (median(boundedMs) / 1000)
  const unboundedPerSecond = TELLS / (median(unboundedMs) / 1000)
  const queuePerSecond = Math.max(boundedPerSecond, unboundedPerSecond)
  const tellPerSecond = TELLS / (median(tellMs) / 1000)
  const deferredPerSecond = ASKS / (median(deferredMs) / 1000)
  const askPerSecond = ASKS / (median(askMs) / 1000)

  const memory = yield* idleActorHeap
  forceGc()
  const spawnPerSecond = yield* spawnRate
  yield* restartLatency("off")
  // Start each measured phase without the garbage left by the previous ones.
  forceGc()
  const restart = yield* restartLatency("off")
  forceGc()
  const restartLogged = yield* restartLatency("json")

  const tellRatio = tellPerSecond / queuePerSecond
  const askRatio = askPerSecond / deferredPerSecond
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

  line(`tell:    ${fmt(tellPerSecond)} msg/s vs raw Queue ${fmt(queuePerSecond)} msg/s (bounded(1024) ${fmt(boundedPerSecond)}, unbounded ${fmt(unboundedPerSecond)}) -> ratio ${tellRatio.toFixed(2)} (budget >= 0.50: ${tellRatio >= 0.5 ? "met" : "NOT met"})`)
  line(`ask:     ${fmt(askPerSecond)} round trips/s vs raw Deferred ${fmt(deferredPerSecond)}/s -> ratio ${askRatio.toFixed(2)} (no budget)`)
  line(`memory:  ${fmt(memory.bytesPerActor)} heap bytes per live idle actor (${fmt(IDLE_ACTORS)} actors; budget <= 4096: ${memory.bytesPerActor <= 4096 ? "met" : "NOT met"})`)
  line(`spawn:   ${fmt(spawnPerSecond)} startChild/s (each waits for init); ${fmt(memory.activationsPerSecond)} registry activations/s`)
  line(`restart: p50 ${restart.p50.toFixed(3)} ms, p99 ${restart.p99.toFixed(3)} ms, max ${restart.max.toFixed(3)} ms, ${restart.over1ms}/${restart.count} over 1 ms, logging off (budget p99 <= 1 ms: ${restart.p99 <= 1 ? "met" : "NOT met"})`)
  line(`restart: p50 ${restartLogged.p50.toFixed(3)} ms, p99 ${restartLogged.p99.toFixed(3)} ms, max ${restartLogged.max.toFixed(3)} ms, ${restartLogged.over1ms}/${restartLogged.count} over 1 ms, each log line formatted as JSON`)

  console.log(JSON.stringify({
    bench: "actors",
    tell_ratio_to_queue: Number(tellRatio.toFixed(3)),
    tell_msgs_per_s: Math.round(tellPerSecond),
    queue_msgs_per_s: Math.round(queuePerSecond),
    queue_bounded_msgs_per_s: Math.round(boundedPerSecond),
    queue_unbounded_msgs_per_s: Math.round(unboundedPerSecond),
    ask_ratio_to_deferred: Number(askRatio.toFixed(3)),
    ask_per_s: Math.round(askPerSecond),
    deferred_per_s: Math.round(deferredPerSecond),
    heap_bytes_per_idle_actor: Math.round(memory.bytesPerActor),
    spawn_per_s: Math.round(spawnPerSecond),
    activations_per_s: Math.round(memory.activationsPerSecond),
    restart_p50_ms: Number(restart.p50.toFixed(4)),
    restart_p99_ms: Number(restart.p99.toFixed(4)),
    restart_logged_p50_ms: Number(restartLogged.p50.toFixed(4)),
    restart_logged_p99_ms: Number(restartLogged.p99.toFixed(4))
  }))
})

Effect.runPromise(program).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
