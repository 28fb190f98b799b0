/**
 * Ingest benchmark (docs/operations.md, budgets): acknowledged events per second and ack latency from 32
 * concurrent socket clients of a real `myco run`, against raw better-sqlite3 batched inserts of
 * the same rows into the same schema, measured in the same run. Budget: >= 40% of the raw rate,
 * p99 ack latency <= 5 ms.
 *
 *   npm run bench:ingest     (MYCO_BENCH_EVENTS: events per client, default 1500)
 */
import { execFileSync, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import Database from "better-sqlite3"
import { quantile, round } from "./lib/timing.js"

const CLIENTS = 32
const PER_CLIENT = Number(process.env["MYCO_BENCH_EVENTS"] ?? 1500)
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname))
const myco = path.join(root, "dist", "myco.cjs")

const payload = (i: number) => ({ tool: "Edit", input: { file_path: `src/file-${i % 50}.ts`, old_string: "a", new_string: "b" } })

/** The raw baseline: the same rows, inserted with better-sqlite3 in batched transactions. */
const rawInsertRate = (dir: string): number => {
  execFileSync(process.execPath, [myco, "init", "--vault", dir], { env: { ...process.env, MYCO_HOME: path.join(dir, "home") }, stdio: "ignore" })
  const db = new Database(path.join(dir, ".myco", "myco.db"))
  db.pragma("journal_mode = WAL")
  const now = Date.now()
  const insertSession = db.prepare(
    `INSERT INTO sessions (id, project_id, machine_id, agent, status, version, created_at, updated_at, last_activity_at, capabilities, boundary)
     VALUES (?, 'p', 'm', 'cli', 'active', 1, ?, ?, ?, '{}', '{}')`
  )
  for (let c = 0; c < CLIENTS; c++) insertSession.run(`s${c}`, now, now, now)
  const insert = db.prepare(
    `INSERT INTO events (session_id, seq, idempotency_id, kind, at, received_at, late, payload) VALUES (?, ?, ?, 'tool_use', ?, ?, 0, ?)`
  )
  const bump = db.prepare("UPDATE sessions SET last_event_seq = ?, event_count = event_count + 1 WHERE id = ?")
  const total = CLIENTS * PER_CLIENT
  const batch = 256
  const start = process.hrtime.bigint()
  const insertMany = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const c = i % CLIENTS
      const seq = Math.floor(i / CLIENTS) + 1
      insert.run(`s${c}`, seq, `raw-${i}`, now, now, JSON.stringify(payload(i)))
      bump.run(seq, `s${c}`)
    }
  })
  for (let i = 0; i < total; i += batch) insertMany(i, Math.min(total, i + batch))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  db.close()
  return total / seconds
}

/** One client: sends one event per request and waits for its acknowledgement; returns latencies (ms). */
const client = (socketPath: string, c: number): Promise<Array<number>> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(socketPath)
    const latencies: Array<number> = []
    let buffered = ""
    let sent = 0
    let sentAt = 0n
    const sendNext = () => {
      if (sent === PER_CLIENT) {
        socket.end()
        resolve(latencies)
        return
      }
      const event = { idempotencyId: `c${c}-${sent}`, sessionId: `s${c}`, kind: "tool_use", at: new Date().toISOString(), payload: payload(sent) }
      sent++
      sentAt = process.hrtime.bigint()
      socket.write(`${JSON.stringify({ id: sent, request: { _tag: "Capture", events: [event] } })}\n`)
    }
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      buffered += chunk
      for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
        const frame = JSON.parse(buffered.slice(0, i))
        buffered = buffered.slice(i + 1)
        if (!("ok" in frame)) return reject(new Error(JSON.stringify(frame)))
        latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6)
        sendNext()
      }
    })
    socket.once("error", reject)
    socket.once("connect", sendNext)
  })

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "myco-bench-ingest-"))
try {
  const raw = rawInsertRate(path.join(scratch, "raw"))

  const dir = path.join(scratch, "myco")
  fs.mkdirSync(dir)
  const env = { ...process.env, MYCO_HOME: path.join(scratch, "home"), XDG_STATE_HOME: path.join(scratch, "state") }
  execFileSync(process.execPath, [myco, "init", "--vault", dir], { env, stdio: "ignore" })
  for (let c = 0; c < CLIENTS; c++) execFileSync(process.execPath, [myco, "session", "create", "--id", `s${c}`, "--vault", dir], { env, stdio: "ignore" })
  const daemon = spawn(process.execPath, [myco, "run", "--vault", dir], { env, stdio: "ignore" })
  const info = path.join(dir, ".myco", "run", "daemon.json")
  for (let i = 0; !fs.existsSync(info); i++) {
    if (i > 400) throw new Error("myco run did not start")
    await new Promise((r) => setTimeout(r, 50))
  }
  const socketPath = String(JSON.parse(fs.readFileSync(info, "utf8")).socket)
  const start = process.hrtime.bigint()
  const latencies = (await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(socketPath, c)))).flat()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  daemon.kill("SIGTERM")
  await new Promise((r) => daemon.once("exit", r))

  const stored = new Database(path.join(dir, ".myco", "myco.db"), { readonly: true })
  const count = Number(stored.prepare("SELECT count(*) FROM events").pluck().get())
  stored.close()
  if (count !== CLIENTS * PER_CLIENT) throw new Error(`expected ${CLIENTS * PER_CLIENT} events stored, found ${count}`)

  const rate = latencies.length / seconds
  const p50 = quantile(latencies, 0.5)
  const p99 = quantile(latencies, 0.99)
  console.log(`clients:                    ${CLIENTS}, ${PER_CLIENT} events each, one event per request`)
  console.log(`raw better-sqlite3 inserts: ${Math.round(raw)} rows/s (batches of 256)`)
  console.log(`myco acknowledged events:   ${Math.round(rate)} events/s = ${round((rate / raw) * 100, 1)}% of raw   budget >= 40%`)
  console.log(`ack latency:                p50 ${round(p50)} ms, p99 ${round(p99)} ms   budget p99 <= 5 ms`)
  console.log(
    JSON.stringify({
      bench: "ingest",
      clients: CLIENTS,
      events: latencies.length,
      events_per_s: Math.round(rate),
      raw_rows_per_s: Math.round(raw),
      ratio_to_raw: round(rate / raw, 3),
      p50_ack_ms: round(p50),
      p99_ack_ms: round(p99),
      budget_ratio: 0.4,
      budget_p99_ms: 5
    })
  )
} finally {
  fs.rmSync(scratch, { recursive: true, force: true })
}
