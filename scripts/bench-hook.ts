/**
 * Hook benchmark (docs/operations.md, budgets): one hook process end to end (spawn, read the payload on
 * stdin, deliver it, exit), against `node -e 0` in the same run, interleaved. Budget: <= 1.25x.
 * Measured with the supervisor up (delivered over the socket, acknowledged after commit) and down
 * (written to the spool), directly and through the project's guard (.agents/myco-run.cjs), with
 * the peak memory (max RSS) of each, from /usr/bin/time when the machine has it.
 *
 *   npm run bench:hook           (MYCO_BENCH_RUNS overrides the number of runs)
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { quantile, round } from "./lib/timing.js"

const RUNS = Number(process.env["MYCO_BENCH_RUNS"] ?? 40)
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname))
const myco = path.join(root, "dist", "myco.cjs")
const hook = path.join(root, "dist", "myco-hook.cjs")
const TIME = "/usr/bin/time"

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-bench-hook-")))
const env = { ...process.env, MYCO_HOME: path.join(dir, "home"), XDG_STATE_HOME: path.join(dir, "state"), MYCO_HOOK_AUTOSTART: "0" }
const payload = JSON.stringify({
  session_id: "7f1d2c4b-6e80-4b4a-8f1e-0c6d4e2b9a57",
  transcript_path: "/home/dev/.claude/projects/-home-dev-project/7f1d2c4b-6e80-4b4a-8f1e-0c6d4e2b9a57.jsonl",
  cwd: dir,
  permission_mode: "default",
  hook_event_name: "PostToolUse",
  tool_name: "Bash",
  tool_input: { command: "npm test", description: "Run the tests" },
  tool_response: { stdout: "ok 1 - passes\n".repeat(100), stderr: "", interrupted: false, isImage: false },
  tool_use_id: "toolu_01ABCDEF"
})

/** Wall time of one run, in ms. */
const wall = (args: ReadonlyArray<string>, input: string | undefined): number => {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, { env, cwd: dir, input: input ?? "", stdio: ["pipe", "ignore", "pipe"] })
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr.toString()}`)
  return elapsed
}

/** Peak RSS of one run, in MiB, or NaN without /usr/bin/time. */
const peakMiB = (args: ReadonlyArray<string>, input: string | undefined): number => {
  if (!fs.existsSync(TIME)) return Number.NaN
  const result = spawnSync(TIME, ["-f", "%M", process.execPath, ...args], { env, cwd: dir, input: input ?? "", encoding: "utf8" })
  const kib = Number(result.stderr.trim().split("\n").pop())
  return kib / 1024
}

const hookArgs = (via: "direct" | "guard") =>
  via === "direct" ? [hook, "PostToolUse", "--agent", "claude-code", "--vault", path.join(dir, ".myco")] : [path.join(dir, ".agents", "myco-run.cjs"), "PostToolUse", "--agent", "claude-code"]

interface Measure {
  readonly p50: number
  readonly p90: number
  readonly nodeP50: number
  readonly ratio: number
  readonly peakMiB: number
}

/** Interleaves the hook and `node -e 0`, so that both see the same machine. */
const measure = (args: ReadonlyArray<string>): Measure => {
  const subject: Array<number> = []
  const baseline: Array<number> = []
  for (let i = 0; i < RUNS + 3; i++) {
    const s = wall(args, payload)
    const b = wall(["-e", "0"], undefined)
    if (i >= 3) {
      subject.push(s)
      baseline.push(b)
    }
  }
  const p50 = quantile(subject, 0.5)
  const nodeP50 = quantile(baseline, 0.5)
  const peaks = Array.from({ length: 5 }, () => peakMiB(args, payload))
  return { p50, p90: quantile(subject, 0.9), nodeP50, ratio: p50 / nodeP50, peakMiB: quantile(peaks, 0.5) }
}

let supervisor: ChildProcess | undefined
try {
  execFileSync(process.execPath, [myco, "init", "--vault", dir], { env, stdio: "ignore" })
  execFileSync(process.execPath, [myco, "hooks", "install", "--agent", "claude-code", "--vault", dir], { env, stdio: "ignore" })
  const nodePeak = quantile(Array.from({ length: 5 }, () => peakMiB(["-e", "0"], undefined)), 0.5)

  // Supervisor down: every event goes to the spool.
  const downDirect = measure(hookArgs("direct"))
  const downGuard = measure(hookArgs("guard"))
  const spooledCount = fs.readdirSync(path.join(dir, ".myco", "spool")).filter((f) => f.endsWith(".json")).length

  // Supervisor up: it drains the spool first, then every event is acknowledged after its commit.
  supervisor = spawn(process.execPath, [myco, "run", "--vault", dir], { env, stdio: "ignore" })
  for (let i = 0; i < 200 && !fs.existsSync(path.join(dir, ".myco", "run", "daemon.json")); i++) await new Promise((r) => setTimeout(r, 50))
  for (let i = 0; i < 400 && fs.readdirSync(path.join(dir, ".myco", "spool")).some((f) => f.endsWith(".json")); i++) await new Promise((r) => setTimeout(r, 50))
  const upDirect = measure(hookArgs("direct"))
  const upGuard = measure(hookArgs("guard"))
  const leftInSpool = fs.readdirSync(path.join(dir, ".myco", "spool")).filter((f) => f.endsWith(".json")).length

  const line = (name: string, m: Measure) =>
    console.log(`${name.padEnd(34)} p50 ${round(m.p50)} ms  p90 ${round(m.p90)} ms  node -e 0 p50 ${round(m.nodeP50)} ms  ratio ${round(m.ratio)}x  peak ${round(m.peakMiB, 1)} MiB`)
  console.log(`payload: ${Buffer.byteLength(payload)} bytes of a Claude Code PostToolUse; ${RUNS} runs each; budget <= 1.25x`)
  line("supervisor up, hook binary", upDirect)
  line("supervisor up, through the guard", upGuard)
  line("supervisor down (spool), hook binary", downDirect)
  line("supervisor down (spool), guard", downGuard)
  console.log(`node -e 0 peak ${round(nodePeak, 1)} MiB; ${spooledCount} events spooled while down; ${leftInSpool} left in the spool while up`)
  console.log(
    JSON.stringify({
      bench: "hook",
      runs: RUNS,
      ratio_to_node: round(upDirect.ratio),
      p50_ms: round(upDirect.p50),
      node_p50_ms: round(upDirect.nodeP50),
      guard_ratio_to_node: round(upGuard.ratio),
      down_ratio_to_node: round(downDirect.ratio),
      down_p50_ms: round(downDirect.p50),
      down_guard_ratio_to_node: round(downGuard.ratio),
      peak_mib: round(upDirect.peakMiB, 1),
      down_peak_mib: round(downDirect.peakMiB, 1),
      node_peak_mib: round(nodePeak, 1),
      budget_ratio: 1.25
    })
  )
} finally {
  supervisor?.kill("SIGTERM")
  if (supervisor !== undefined) await new Promise((r) => supervisor?.once("exit", r))
  fs.rmSync(dir, { recursive: true, force: true })
}
