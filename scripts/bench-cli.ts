/**
 * CLI benchmark (docs/operations.md, budgets): wall time of the read commands, each interleaved
 * with `node -e 0` in the same run, over a vault of 10,000 sessions. Budget: <= 2x `node -e 0`
 * (median against median) for
 *   - `myco session list --json` (the default page, the newest 100),
 *   - `myco session show ID` (a session with its history and 20 events),
 *   - `myco status` with the supervisor down (exit 69) and up,
 *   - `myco session list --json` with the supervisor up.
 * For comparison, not budgeted: `session list --json --all` (every session), and the page through
 * the full CLI alone (`MYCO_READ_PATH=off`, what the read path saves).
 *
 *   npm run bench:cli            (MYCO_BENCH_SESSIONS and MYCO_BENCH_RUNS override the sizes)
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { SqlClient } from "@effect/sql/SqlClient"
import { DateTime, Effect, Layer } from "effect"
import { CapturedEvent, EventKind, IdempotencyId } from "../src/domain/Event.js"
import { AgentName, deriveSessionId, MachineId, ProjectId, type SessionId } from "../src/domain/Ids.js"
import { applyTransition, createSession } from "../src/domain/Session.js"
import { EventStore } from "../src/store/EventStore.js"
import { SessionStore } from "../src/store/SessionStore.js"
import { layerDatabase } from "../src/store/sqlite/Database.js"
import { layerEventStore } from "../src/store/sqlite/EventStore.js"
import { layerSessionStore } from "../src/store/sqlite/SessionStore.js"
import { defaultConfig } from "../src/vault/Config.js"
import { interleave, quantile, round, timeProcess } from "./lib/timing.js"

const SESSIONS = Number(process.env["MYCO_BENCH_SESSIONS"] ?? 10_000)
const RUNS = Number(process.env["MYCO_BENCH_RUNS"] ?? 20)
const BUDGET = 2
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname))
const myco = path.join(root, "dist", "myco.cjs")

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-bench-cli-")))
const env = { ...process.env, MYCO_HOME: path.join(dir, "home"), XDG_STATE_HOME: path.join(dir, "state"), MYCO_VAULT_DIR: "" }
const fullOnly = { ...env, MYCO_READ_PATH: "off" }

/** 10,000 sessions, half of them completed, and 20 events on the newest. */
const seed = Effect.gen(function* () {
  const store = yield* SessionStore
  const events = yield* EventStore
  const sql = yield* SqlClient
  const start = Date.now() - SESSIONS * 1000
  const agents = ["claude-code", "codex", "cursor", "gemini-cli"] as const
  const projectId = ProjectId.make("00000000-0000-4000-8000-000000000001")
  const machineId = MachineId.make("00000000-0000-4000-8000-000000000002")
  let newest: SessionId | undefined
  yield* sql.withTransaction(
    Effect.forEach(
      Array.from({ length: SESSIONS }, (_, i) => i),
      (i) => {
        const at = DateTime.unsafeMake(start + i * 1000)
        const agent = AgentName.make(agents[i % agents.length] ?? "cli")
        const [session, record] = createSession(
          {
            id: deriveSessionId({ projectId, machineId, agent, timestampMs: start + i * 1000 }),
            projectId,
            machineId,
            agent,
            parentId: null,
            capabilities: { capture: true, intelligence: true },
            boundary: {
              root: dir,
              outsideScope: "record",
              excludePaths: defaultConfig.capture.exclude_paths,
              redactSecrets: true,
              maxFieldBytes: 65536,
              maxEventBytes: 262144
            },
            metadata: { cwd: dir, branch: "main", transcriptPath: null, title: `session ${i}` }
          },
          at,
          "bench",
          "bench"
        )
        newest = session.id
        return Effect.gen(function* () {
          yield* store.create(session, record)
          // Half the sessions are completed, so the list holds more than one status.
          if (i % 2 === 0) {
            const step = applyTransition(session, "complete", at, "bench", "bench")
            if (step._tag === "Right") yield* store.transition(step.right[0], session, step.right[1])
          }
        })
      },
      { discard: true }
    )
  )
  if (newest === undefined) return yield* Effect.dieMessage("no session seeded")
  const shown = newest
  yield* events.append(
    Array.from(
      { length: 20 },
      (_, k) =>
        new CapturedEvent({
          idempotencyId: IdempotencyId.make(`bench-${k}`),
          sessionId: shown,
          kind: EventKind.make(k % 2 === 0 ? "prompt" : "tool_use"),
          at: DateTime.unsafeMake(Date.now() - 20_000 + k * 1000),
          payload: k % 2 === 0 ? { data: { prompt: `step ${k}: make the parser faster` } } : { tool: { name: "Bash" }, input: { command: "npm test" } }
        })
    )
  )
  return shown
})

/** One command's figures. */
interface Figures {
  readonly p50: number
  readonly p90: number
  readonly nodeP50: number
  readonly ratio: number
}

/** `myco args` against `node -e 0`, interleaved; `status` is the exit code the command must end with. */
const measure = (args: ReadonlyArray<string>, options?: { readonly env?: NodeJS.ProcessEnv; readonly status?: number; readonly runs?: number }): Figures => {
  const node = () => timeProcess(process.execPath, ["-e", "0"], env)
  const subject = () => timeProcess(process.execPath, [myco, ...args], options?.env ?? env, { status: options?.status ?? 0 })
  const runs = options?.runs ?? RUNS
  const sample = interleave(runs, 3, subject, node)
  const p50 = quantile(sample.subject, 0.5)
  const nodeP50 = quantile(sample.baseline, 0.5)
  return { p50, p90: quantile(sample.subject, 0.9), nodeP50, ratio: p50 / nodeP50 }
}

const line = (name: string, f: Figures, budgeted: boolean) =>
  console.log(
    `${name.padEnd(44)} p50 ${String(round(f.p50)).padStart(7)} ms  p90 ${String(round(f.p90)).padStart(7)} ms  ` +
      `node -e 0 p50 ${String(round(f.nodeP50)).padStart(7)} ms  ratio ${round(f.ratio)}x` +
      (budgeted ? `  budget <= ${BUDGET}x  ${f.ratio <= BUDGET ? "pass" : "MISS"}` : "")
  )

const json = (f: Figures) => ({ ratio_to_node: round(f.ratio), p50_ms: round(f.p50), p90_ms: round(f.p90), node_p50_ms: round(f.nodeP50) })

const waitFor = async (what: string, check: () => boolean, ms: number): Promise<void> => {
  for (const started = Date.now(); !check(); ) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

let supervisor: { readonly child: ChildProcess; readonly exited: Promise<unknown> } | undefined
try {
  execFileSync(process.execPath, [myco, "init", "--vault", dir], { env, stdio: "ignore" })
  // Sessions idle for ever: the supervisor must not complete them while it is measured.
  const config = path.join(dir, ".myco", "myco.yaml")
  fs.writeFileSync(config, fs.readFileSync(config, "utf8").replace("  idle_timeout: 30m\n", "  idle_timeout: 0\n"))
  const layer = Layer.mergeAll(layerSessionStore, layerEventStore).pipe(
    Layer.provideMerge(
      layerDatabase({
        filename: path.join(dir, ".myco", "myco.db"),
        busyTimeoutMs: 5000,
        retry: { attempts: 3, baseDelayMs: 10 },
        migrate: true
      })
    )
  )
  const shown = await Effect.runPromise(Effect.provide(seed, layer))

  // The full CLI first: it validates the edited myco.yaml and makes the machine id, as a user's first command would.
  const listAll = JSON.parse(
    execFileSync(process.execPath, [myco, "session", "list", "--json", "--all", "--vault", dir], { env: fullOnly, maxBuffer: 1 << 30 }).toString()
  )
  if (!Array.isArray(listAll) || listAll.length !== SESSIONS) {
    throw new Error(`expected ${SESSIONS} sessions, got ${Array.isArray(listAll) ? listAll.length : "no list"}`)
  }

  const vault = ["--vault", dir]
  const page = measure(["session", "list", "--json", ...vault])
  const show = measure(["session", "show", shown, ...vault])
  const statusDown = measure(["status", ...vault], { status: 69 })
  const all = measure(["session", "list", "--json", "--all", ...vault], { runs: Math.max(3, Math.floor(RUNS / 4)) })
  const pageFull = measure(["session", "list", "--json", ...vault], { env: fullOnly, runs: Math.max(3, Math.floor(RUNS / 2)) })

  const child = spawn(process.execPath, [myco, "run", ...vault], { env, stdio: "ignore" })
  supervisor = { child, exited: new Promise((resolve) => child.once("exit", resolve)) }
  await waitFor("the supervisor", () => fs.existsSync(path.join(dir, ".myco", "run", "daemon.json")), 60_000)
  const statusUp = measure(["status", ...vault])
  const pageUp = measure(["session", "list", "--json", ...vault])

  const budgeted = [page, show, statusDown, statusUp, pageUp]
  console.log(`sessions in vault: ${SESSIONS}; ${RUNS} runs each, interleaved with node -e 0; medians`)
  line("myco session list --json (newest 100)", page, true)
  line("myco session show ID (history, 20 events)", show, true)
  line("myco status (supervisor down, exit 69)", statusDown, true)
  line("myco status (supervisor up)", statusUp, true)
  line("myco session list --json (supervisor up)", pageUp, true)
  line(`myco session list --json --all (${SESSIONS})`, all, false)
  line("myco session list --json, full CLI only", pageFull, false)
  console.log(`read commands: ${budgeted.every((f) => f.ratio <= BUDGET) ? "all within" : "NOT all within"} the budget of ${BUDGET}x`)
  console.log(
    JSON.stringify({
      bench: "cli",
      sessions: SESSIONS,
      runs: RUNS,
      // The page of `session list --json`, as before; then every read command.
      ratio_to_node: round(page.ratio),
      p50_ms: round(page.p50),
      p90_ms: round(page.p90),
      node_p50_ms: round(page.nodeP50),
      list: json(page),
      show: json(show),
      status_down: json(statusDown),
      status_up: json(statusUp),
      list_supervisor_up: json(pageUp),
      all_ratio_to_node: round(all.ratio),
      all_p50_ms: round(all.p50),
      full_cli_list: json(pageFull),
      budget_ratio: BUDGET,
      within_budget: budgeted.every((f) => f.ratio <= BUDGET)
    })
  )
} finally {
  if (supervisor !== undefined) {
    supervisor.child.kill("SIGTERM")
    await supervisor.exited
  }
  fs.rmSync(dir, { recursive: true, force: true })
}
