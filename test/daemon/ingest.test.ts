import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { myco, mycoJson, tempProject, type TempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"
import { wirePeer, type WirePeer } from "../support/wire.js"

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-ingest-")
  expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
})
afterEach(() => project.cleanup())

const opts = () => ({ cwd: project.dir, env: project.env })
const db = () => new Database(path.join(project.dir, ".myco", "myco.db"), { readonly: true })
const storedIds = (): Map<string, number> => {
  const handle = db()
  try {
    const rows = Schema.decodeUnknownSync(Schema.Array(Schema.Struct({ id: Schema.String, n: Schema.Number })))(
      handle.prepare("SELECT idempotency_id AS id, count(*) AS n FROM events GROUP BY idempotency_id").all()
    )
    return new Map(rows.map((r) => [r.id, r.n]))
  } finally {
    handle.close()
  }
}

const event = (id: string, session: string) => ({
  idempotencyId: id,
  sessionId: session,
  kind: "tool_use",
  at: new Date().toISOString(),
  payload: { tool: "Bash", input: { command: `echo ${id}` } }
})

/**
 * Floods the supervisor with captures from `clients` connections (one session each) until
 * `stop()` or `perClient` events each; returns the ids it got acknowledged, in order per session.
 */
const flood = (daemon: RunningDaemon, clients: number, perClient: number, batch: number) => {
  let stopped = false
  const acked: Array<Array<string>> = Array.from({ length: clients }, () => [])
  const done = Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      let peer: WirePeer
      try {
        peer = await wirePeer(daemon.socket)
      } catch {
        return
      }
      let requestId = 0
      for (let sent = 0; sent < perClient && !stopped; sent += batch) {
        const ids = Array.from({ length: batch }, (_, k) => `c${c}-${sent + k}`)
        requestId++
        peer.send({ id: requestId, request: { _tag: "Capture", events: ids.map((id) => event(id, `s${c}`)) } })
        const reply = await Promise.race([peer.next(requestId), new Promise<undefined>((r) => peer.socket.once("close", () => r(undefined)))])
        if (reply === undefined || !("ok" in reply)) break
        acked[c]?.push(...ids)
      }
      peer.close()
    })
  )
  return { acked, done, stop: () => (stopped = true) }
}

describe("durable ingest", () => {
  it("a graceful stop with captures in flight loses none: every acknowledged event is stored once, in order", async () => {
    for (let c = 0; c < 8; c++) expect(myco(["session", "create", "--id", `s${c}`], opts()).status).toBe(0)
    const daemon = await startDaemon(project)
    const load = flood(daemon, 8, 400, 10)
    await new Promise((r) => setTimeout(r, 300))
    daemon.child.kill("SIGTERM")
    await load.done
    expect((await daemon.exited).code).toBe(0)
    const stored = storedIds()
    const acked = load.acked.flat()
    expect(acked.length).toBeGreaterThan(0)
    for (const id of acked) expect(stored.get(id), id).toBe(1)
    // Order within each session: sequence numbers follow submission order.
    const handle = db()
    try {
      for (let c = 0; c < 8; c++) {
        const ids = handle.prepare("SELECT idempotency_id FROM events WHERE session_id = ? ORDER BY seq").pluck().all(`s${c}`)
        const numbers = ids.map((id) => Number(String(id).split("-")[1]))
        expect(numbers).toEqual([...numbers].sort((a, b) => a - b))
      }
    } finally {
      handle.close()
    }
  })

  it("kill -9 during a flood, then restart: every acknowledged event is stored exactly once, and replays are acknowledged as duplicates", async () => {
    for (let c = 0; c < 8; c++) expect(myco(["session", "create", "--id", `s${c}`], opts()).status).toBe(0)
    const first = await startDaemon(project)
    const load = flood(first, 8, 2000, 20)
    await new Promise((r) => setTimeout(r, 700))
    first.child.kill("SIGKILL")
    load.stop()
    await load.done
    await first.exited
    const acked = load.acked.flat()
    const afterCrash = storedIds()
    expect(acked.length).toBeGreaterThan(0)
    for (const id of acked) expect(afterCrash.get(id), id).toBe(1)

    // Replay everything the clients tried (acknowledged or not) against a new supervisor.
    const second = await startDaemon(project)
    const peer = await wirePeer(second.socket)
    let duplicates = 0
    for (let c = 0; c < 8; c++) {
      const ids = load.acked[c] ?? []
      for (let start = 0; start < ids.length; start += 200) {
        const chunk = ids.slice(start, start + 200)
        peer.send({ id: c * 100000 + start + 1, request: { _tag: "Capture", events: chunk.map((id) => event(id, `s${c}`)) } })
        const reply = await peer.next(c * 100000 + start + 1)
        const outcomes = reply["ok"]
        if (!Array.isArray(outcomes)) throw new Error(JSON.stringify(reply))
        duplicates += outcomes.filter((o: { duplicate: boolean }) => o.duplicate).length
      }
    }
    peer.close()
    expect(duplicates).toBe(acked.length)
    const afterReplay = storedIds()
    expect(afterReplay.size).toBe(afterCrash.size)
    for (const n of afterReplay.values()) expect(n).toBe(1)
    const status = mycoJson(["status"], opts()) as { ingest: { duplicates: number } }
    expect(status.ingest.duplicates).toBe(acked.length)
    second.child.kill("SIGTERM")
    await second.exited
    console.log(
      `kill -9 during a flood: ${acked.length} events acknowledged, ${afterCrash.size} stored after restart, ` +
        `every acknowledged one exactly once; replay: ${duplicates} duplicates acknowledged, none stored again`
    )
  })

  it("events for a completed session are stored flagged late and do not reopen it", async () => {
    expect(myco(["session", "create", "--id", "late-1"], opts()).status).toBe(0)
    const daemon = await startDaemon(project)
    expect(myco(["session", "complete", "late-1"], opts()).status).toBe(0)
    const peer = await wirePeer(daemon.socket)
    peer.send({ id: 1, request: { _tag: "Capture", events: [event("late-a", "late-1")] } })
    expect(await peer.next(1)).toMatchObject({ ok: [{ seq: 1, late: true, duplicate: false }] })
    peer.close()
    expect(mycoJson(["session", "show", "late-1"], opts())).toMatchObject({ status: "completed", counters: { events: 1, lateEvents: 1 } })
    daemon.child.kill("SIGTERM")
    await daemon.exited
  })
})

describe("recovery on start", () => {
  it("before serving, completes sessions a crash left idle and queues again the runs it left running", async () => {
    fs.writeFileSync(path.join(project.dir, ".myco", "myco.yaml"), "sessions:\n  idle_timeout: 1s\n")
    expect(myco(["session", "create", "--id", "stale-1"], opts()).status).toBe(0)
    const raw = new Database(path.join(project.dir, ".myco", "myco.db"))
    raw
      .prepare("INSERT INTO runs (id, session_id, task, harness, status, queued_at, started_at) VALUES ('r1', 'stale-1', 'summary', 'builtin', 'running', 1, 2)")
      .run()
    raw.close()
    await new Promise((r) => setTimeout(r, 1200))
    const daemon = await startDaemon(project)
    // No maintenance round has run yet (the first comes after 5 s): this is the start-up sweep.
    const history = mycoJson(["session", "history", "stale-1"], opts()) as ReadonlyArray<{ command: string; reason: string }>
    expect(history[1]).toMatchObject({ command: "complete" })
    expect(history[1]?.reason).toContain("found on start")
    const check = db()
    try {
      expect(check.prepare("SELECT status, started_at FROM runs WHERE id = 'r1'").get()).toEqual({ status: "queued", started_at: null })
    } finally {
      check.close()
    }
    daemon.child.kill("SIGTERM")
    await daemon.exited
  })
})

describe("lifecycle jobs", () => {
  it("completes sessions idle past sessions.idle_timeout, with the reason recorded, and exits when idle past daemon.idle_exit", async () => {
    fs.writeFileSync(path.join(project.dir, ".myco", "myco.yaml"), "sessions:\n  idle_timeout: 1s\ndaemon:\n  idle_exit: 3s\n")
    expect(myco(["session", "create", "--id", "idle-1"], opts()).status).toBe(0)
    const daemon = await startDaemon(project)
    const started = Date.now()
    const exit = await daemon.exited
    expect(exit.code).toBe(0)
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(daemon.stderr()).toContain("supervisor stopped (idle)")
    const history = mycoJson(["session", "history", "idle-1"], opts()) as ReadonlyArray<{ command: string; actor: string; reason: string }>
    expect(history[1]).toMatchObject({ command: "complete", actor: "supervisor" })
    expect(history[1]?.reason).toMatch(/^idle for/)
  })
})
