/**
 * CLI benchmark (docs/operations.md, budgets): wall time of `myco session list --json` over a vault with
 * 10,000 sessions, against `node -e 0`, interleaved in the same run. Budget: <= 2x.
 *
 *   npm run bench:cli            (MYCO_BENCH_SESSIONS and MYCO_BENCH_RUNS override the sizes)
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { SqlClient } from "@effect/sql/SqlClient"
import { DateTime, Effect, Layer } from "effect"
import { AgentName, deriveSessionId, MachineId, ProjectId } from "../src/domain/Ids.js"
import { applyTransition, createSession } from "../src/domain/Session.js"
import { SessionStore } from "../src/store/SessionStore.js"
import { layerDatabase } from "../src/store/sqlite/Database.js"
import { layerSessionStore } from "../src/store/sqlite/SessionStore.js"
import { defaultConfig } from "../src/vault/Config.js"
import { interleave, quantile, round, timeProcess } from "./lib/timing.js"

const SESSIONS = Number(process.env["MYCO_BENCH_SESSIONS"] ?? 10_000)
const RUNS = Number(process.env["MYCO_BENCH_RUNS"] ?? 20)
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname))
const myco = path.join(root, "dist", "myco.cjs")

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "myco-bench-cli-"))
const env = { ...process.env, MYCO_HOME: path.join(dir, "home"), XDG_STATE_HOME: path.join(dir, "state") }
try {
  execFileSync(process.execPath, [myco, "init", "--vault", dir], { env, stdio: "ignore" })
  const seed = Effect.gen(function* () {
    const store = yield* SessionStore
    const sql = yield* SqlClient
    const start = Date.now() - SESSIONS * 1000
    const agents = ["claude-code", "codex", "cursor", "gemini-cli"] as const
    yield* sql.withTransaction(
      Effect.forEach(
        Array.from({ length: SESSIONS }, (_, i) => i),
        (i) => {
          const at = DateTime.unsafeMake(start + i * 1000)
          const agent = AgentName.make(agents[i % agents.length] ?? "cli")
          const projectId = ProjectId.make("00000000-0000-4000-8000-000000000001")
          const machineId = MachineId.make("00000000-0000-4000-8000-000000000002")
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
  })
  const layer = layerSessionStore.pipe(
    Layer.provideMerge(
      layerDatabase({
        filename: path.join(dir, ".myco", "myco.db"),
        busyTimeoutMs: 5000,
        retry: { attempts: 3, baseDelayMs: 10 },
        migrate: true
      })
    )
  )
  await Effect.runPromise(Effect.provide(seed, layer))

  const listAll = JSON.parse(
    execFileSync(process.execPath, [myco, "session", "list", "--json", "--all", "--vault", dir], {
      env,
      maxBuffer: 1 << 30
    }).toString()
  )
  if (!Array.isArray(listAll) || listAll.length !== SESSIONS) {
    throw new Error(`expected ${SESSIONS} sessions, got ${Array.isArray(listAll) ? listAll.length : "no list"}`)
  }

  const node = () => timeProcess(process.execPath, ["-e", "0"], env)
  const page = interleave(RUNS, 3, () => timeProcess(process.execPath, [myco, "session", "list", "--json", "--vault", dir], env), node)
  const all = interleave(
    Math.max(3, Math.floor(RUNS / 4)),
    1,
    () => timeProcess(process.execPath, [myco, "session", "list", "--json", "--all", "--vault", dir], env),
    node
  )
  const p50 = quantile(page.subject, 0.5)
  const node50 = quantile(page.baseline, 0.5)
  const all50 = quantile(all.subject, 0.5)
  const allNode50 = quantile(all.baseline, 0.5)
  console.log(`sessions in vault:                       ${SESSIONS}`)
  console.log(`myco session list --json (newest 100) p50: ${round(p50)} ms  p90: ${round(quantile(page.subject, 0.9))} ms`)
  console.log(`node -e 0                             p50: ${round(node50)} ms  p90: ${round(quantile(page.baseline, 0.9))} ms`)
  console.log(`ratio (p50/p50):                           ${round(p50 / node50)}x   budget <= 2x`)
  console.log(`myco session list --json --all (${SESSIONS}) p50: ${round(all50)} ms  ratio ${round(all50 / allNode50)}x`)
  console.log(
    JSON.stringify({
      bench: "cli",
      sessions: SESSIONS,
      runs: RUNS,
      ratio_to_node: round(p50 / node50),
      p50_ms: round(p50),
      p90_ms: round(quantile(page.subject, 0.9)),
      node_p50_ms: round(node50),
      all_ratio_to_node: round(all50 / allNode50),
      all_p50_ms: round(all50),
      budget_ratio: 2
    })
  )
} finally {
  fs.rmSync(dir, { recursive: true, force: true })
}
