/**
 * Process-harness benchmark (docs/harnesses.md, the process runtime):
 *  - one run end to end through the process runtime (task on stdin, result decoded, group
 *    recorded, watched and reaped, working directory made and removed) against spawning the same
 *    script bare with the same stdin, interleaved in the same loop; budget <= 1.3x;
 *  - the time from a limit being crossed to the whole group being dead, for timeout (from the
 *    spawn plus the timeout), memory and output (from the instant the fixture reports crossing
 *    it on stderr); p50 and p99, budget p99 <= 250 ms;
 *  - 100 runs, 4 at a time, through the runtime and bare: the overhead per run. (The scheduler's
 *    own queueing cost is measured with the scheduler; this is the runtime's share.)
 *
 *   npm run bench:harness         (MYCO_BENCH_RUNS overrides the number of runs of each kind)
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect } from "effect"
import { runGroup } from "../src/harness/ProcessGroup.js"
import { makeProcessRuntime } from "../src/harness/runtimes/Process.js"
import { fixtureContext, fixtureManifest, fixtureTask, HARNESS } from "../test/fixtures/harness/context.js"
import { quantile, round } from "./lib/timing.js"

const RUNS = Number(process.env["MYCO_BENCH_RUNS"] ?? 30)
const LATENCY_RUNS = Math.max(10, Math.round(RUNS * 0.7))
const QUEUED = 100
const SLOTS = 4
const RATIO_BUDGET = 1.3
const KILL_P99_BUDGET_MS = 250

const vaultDir = fs.mkdtempSync(path.join(os.tmpdir(), "myco-bench-harness-"))
const runtime = makeProcessRuntime()
let counter = 0

const input = JSON.stringify(fixtureTask("bench", fixtureManifest({ vaultDir, runId: "bench" })))

/** One run through the runtime, in ms. */
const throughRuntime = async (): Promise<number> => {
  const { context } = fixtureContext({ vaultDir, runId: `bench-${counter++}`, args: ["succeed"] })
  const start = process.hrtime.bigint()
  await Effect.runPromise(runtime.run(context))
  return Number(process.hrtime.bigint() - start) / 1e6
}

/**
 * The harness's own environment, for the bare runs too: the bench itself runs under tsx, whose
 * NODE_OPTIONS would slow every bare child it passed to.
 */
const bareEnv = { PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: os.tmpdir(), LANG: process.env["LANG"] ?? "C.UTF-8" }

/** The same script spawned bare, the same task on stdin, its stdout read, in ms. */
const bare = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [HARNESS, "succeed"], { env: bareEnv, stdio: ["pipe", "pipe", "inherit"] })
    const chunks: Array<Buffer> = []
    child.stdout.on("data", (c: Buffer) => chunks.push(c))
    child.on("error", reject)
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`bare run exited ${code}`))
      else {
        JSON.parse(Buffer.concat(chunks).toString("utf8"))
        resolve(Number(process.hrtime.bigint() - start) / 1e6)
      }
    })
    child.stdin.end(input)
  })

const MEMORY_LIMIT = 160 * 1024 * 1024

/**
 * From a limit crossed to the group dead, in ms, for one run. A memory run killed before its
 * fixture could say when it crossed (the poll saw it first) is run again.
 */
const killLatency = async (limit: "timeout" | "memory" | "output"): Promise<number> => {
  for (let attempt = 0; ; attempt++) {
    const latency = await killLatencyOnce(limit)
    if (latency !== undefined) return latency
    if (attempt >= 5) throw new Error(`no crossing time for the ${limit} limit in 6 attempts`)
  }
}

const killLatencyOnce = async (limit: "timeout" | "memory" | "output"): Promise<number | undefined> => {
  const mode = limit === "timeout" ? "sleep" : limit === "memory" ? "spike" : "burst"
  const timeoutMs = limit === "timeout" ? 300 : 30_000
  const exit = await Effect.runPromise(
    runGroup({
      runId: `bench-kill-${counter++}`,
      argv: [process.execPath, HARNESS, mode, String(MEMORY_LIMIT)],
      cwd: undefined,
      env: (workDir) => ({ PATH: "/usr/bin:/bin", HOME: workDir }),
      input,
      limits: { timeoutMs, memoryBytes: MEMORY_LIMIT, outputBytes: 1024 * 1024 },
      runDir: path.join(vaultDir, "run")
    })
  )
  if (exit.limit !== limit) throw new Error(`expected the ${limit} limit, got ${exit.limit ?? "none"} (exit ${exit.exitCode ?? exit.signal})`)
  if (limit === "timeout") return exit.deadAtMs - (exit.startedAtMs + timeoutMs)
  const crossed = /crossed-at ([\d.]+)/.exec(exit.stderrTail)?.[1]
  if (crossed === undefined) return undefined
  return exit.deadAtMs - Number(crossed)
}

const sequentially = async (n: number, f: () => Promise<number>): Promise<Array<number>> => {
  const out: Array<number> = []
  for (let i = 0; i < n; i++) out.push(await f())
  return out
}

/** `n` runs of `f`, `slots` at a time; the wall time in ms. */
const queued = async (n: number, slots: number, f: () => Promise<number>): Promise<number> => {
  const start = process.hrtime.bigint()
  await Effect.runPromise(Effect.forEach(Array.from({ length: n }), () => Effect.promise(f), { concurrency: slots, discard: true }))
  return Number(process.hrtime.bigint() - start) / 1e6
}

try {
  // End to end against bare, interleaved (after a few warm-up rounds).
  const subject: Array<number> = []
  const baseline: Array<number> = []
  for (let i = 0; i < RUNS + 3; i++) {
    const s = await throughRuntime()
    const b = await bare()
    if (i >= 3) {
      subject.push(s)
      baseline.push(b)
    }
  }
  const ratio = quantile(subject, 0.5) / quantile(baseline, 0.5)

  const latencies: Record<"timeout" | "memory" | "output", ReadonlyArray<number>> = {
    timeout: await sequentially(LATENCY_RUNS, () => killLatency("timeout")),
    memory: await sequentially(LATENCY_RUNS, () => killLatency("memory")),
    output: await sequentially(LATENCY_RUNS, () => killLatency("output"))
  }

  // Two rounds in alternating order (bare first, then the runtime first): the machine's load moves.
  const queuedBareA = await queued(QUEUED, SLOTS, bare)
  const queuedRuntimeA = await queued(QUEUED, SLOTS, throughRuntime)
  const queuedRuntimeB = await queued(QUEUED, SLOTS, throughRuntime)
  const queuedBareB = await queued(QUEUED, SLOTS, bare)
  const queuedRuntime = (queuedRuntimeA + queuedRuntimeB) / 2
  const queuedBare = (queuedBareA + queuedBareB) / 2
  const overheadPerRun = (queuedRuntime - queuedBare) / QUEUED

  const pass = (ok: boolean) => (ok ? "pass" : "MISS")
  console.log(`process harness: ${RUNS} runs each, interleaved; ${LATENCY_RUNS} runs per limit; ${QUEUED} runs on ${SLOTS} slots`)
  console.log(
    `end to end    p50 ${round(quantile(subject, 0.5))} ms  bare p50 ${round(quantile(baseline, 0.5))} ms  ratio ${round(ratio)}x  (budget <= ${RATIO_BUDGET}x: ${pass(ratio <= RATIO_BUDGET)})`
  )
  for (const limit of ["timeout", "memory", "output"] as const) {
    const p99 = quantile(latencies[limit], 0.99)
    console.log(
      `${`${limit} to dead`.padEnd(16)}p50 ${round(quantile(latencies[limit], 0.5))} ms  p99 ${round(p99)} ms  (budget p99 <= ${KILL_P99_BUDGET_MS} ms: ${pass(p99 <= KILL_P99_BUDGET_MS)})`
    )
  }
  console.log(
    `${QUEUED} on ${SLOTS} slots  runtime ${round(queuedRuntime)} ms  bare ${round(queuedBare)} ms  overhead ${round(overheadPerRun)} ms per run (ratio ${round(queuedRuntime / queuedBare)}x)`
  )
  const misses = [ratio > RATIO_BUDGET, ...Object.values(latencies).map((l) => quantile(l, 0.99) > KILL_P99_BUDGET_MS)].filter(Boolean).length
  console.log(
    JSON.stringify({
      bench: "harness",
      runs: RUNS,
      ratio_to_bare: round(ratio),
      p50_ms: round(quantile(subject, 0.5)),
      bare_p50_ms: round(quantile(baseline, 0.5)),
      budget_ratio: RATIO_BUDGET,
      timeout_kill_p50_ms: round(quantile(latencies.timeout, 0.5)),
      timeout_kill_p99_ms: round(quantile(latencies.timeout, 0.99)),
      memory_kill_p50_ms: round(quantile(latencies.memory, 0.5)),
      memory_kill_p99_ms: round(quantile(latencies.memory, 0.99)),
      output_kill_p50_ms: round(quantile(latencies.output, 0.5)),
      output_kill_p99_ms: round(quantile(latencies.output, 0.99)),
      budget_kill_p99_ms: KILL_P99_BUDGET_MS,
      queued_runs: QUEUED,
      slots: SLOTS,
      queued_runtime_ms: round(queuedRuntime),
      queued_bare_ms: round(queuedBare),
      queued_overhead_per_run_ms: round(overheadPerRun),
      misses
    })
  )
  if (misses > 0) process.exitCode = 1
} finally {
  fs.rmSync(vaultDir, { recursive: true, force: true })
}
