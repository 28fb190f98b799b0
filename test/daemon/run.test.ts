import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Session } from "../../src/domain/Session.js"
import { spawn } from "node:child_process"
import { myco, mycoBin, mycoJson, tempProject, type TempProject } from "../support/cli.js"
import { daemonSocket, socketAnswers, startDaemon } from "../support/daemon.js"

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-run-")
  expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
})
afterEach(() => project.cleanup())

const opts = () => ({ cwd: project.dir, env: project.env })
const run = (...args: Array<string>) => myco(args, opts())
const runDir = () => path.join(project.dir, ".myco", "run")

describe("myco run", () => {
  it("serves on a private socket, reports its status, and stops gracefully on SIGTERM", async () => {
    const daemon = await startDaemon(project)
    expect(daemon.socket).toBe(path.join(runDir(), "myco.sock"))
    expect(fs.statSync(runDir()).mode & 0o777).toBe(0o700)
    expect(fs.statSync(daemon.socket).mode & 0o777).toBe(0o600)
    const info = JSON.parse(fs.readFileSync(path.join(runDir(), "daemon.json"), "utf8"))
    expect(info.pid).toBe(daemon.child.pid)

    const status = mycoJson(["status"], opts())
    expect(status).toMatchObject({ running: true, pid: daemon.child.pid, socket: daemon.socket })
    const text = run("status")
    expect(text.stdout).toMatch(/myco\s+running rest_for_one/)
    for (const child of ["store", "capture-writer", "sessions", "socket-server", "maintenance"]) expect(text.stdout).toContain(child)

    daemon.child.kill("SIGTERM")
    expect((await daemon.exited).code).toBe(0)
    expect(fs.existsSync(daemon.socket)).toBe(false)
    expect(fs.existsSync(path.join(runDir(), "daemon.json"))).toBe(false)
    expect(run("status").status).toBe(69)
  })

  it("`myco stop` stops it and waits until it is gone; stopping twice is fine", async () => {
    const daemon = await startDaemon(project)
    const stopped = run("stop")
    expect(stopped.status).toBe(0)
    expect(stopped.stdout).toContain(`stopped the supervisor (pid ${daemon.child.pid})`)
    expect((await daemon.exited).code).toBe(0)
    expect(run("stop").stdout).toContain("not running")
  })

  it("of two `myco run` started at the same moment exactly one serves; the other says who and exits with its own code", async () => {
    const spawnRun = () => {
      const child = spawn(process.execPath, [mycoBin, "run"], { cwd: project.dir, env: project.env, stdio: ["ignore", "ignore", "pipe"] })
      let stderr = ""
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      return { child, exited, stderr: () => stderr }
    }
    for (let round = 0; round < 3; round++) {
      const pair = [spawnRun(), spawnRun()]
      const loserIndex = await Promise.race(pair.map((p, i) => p.exited.then(() => i)))
      const loser = pair[loserIndex]
      const winner = pair[1 - loserIndex]
      if (loser === undefined || winner === undefined) throw new Error("unreachable")
      expect(await loser.exited).toBe(75)
      expect(loser.stderr()).toContain(`already running (pid ${winner.child.pid})`)
      const socket = daemonSocket(project)
      expect(socket !== undefined && (await socketAnswers(socket))).toBe(true)
      winner.child.kill("SIGTERM")
      expect(await winner.exited).toBe(0)
    }
    const first = await startDaemon(project)
    const second = run("run")
    expect(second.status).toBe(75)
    expect(second.stderr).toContain(`already running (pid ${first.child.pid})`)
    first.child.kill("SIGTERM")
    await first.exited
  })

  it("after kill -9 the stale socket and daemon.json are detected and replaced", async () => {
    const first = await startDaemon(project)
    first.child.kill("SIGKILL")
    await first.exited
    expect(fs.existsSync(first.socket)).toBe(true)
    expect(await socketAnswers(first.socket)).toBe(false)
    const doctor = run("doctor")
    expect(doctor.stdout).toMatch(/warn\s+run files\s+stale/)
    const second = await startDaemon(project)
    expect(second.child.pid).not.toBe(first.child.pid)
    expect(mycoJson(["status"], opts())).toMatchObject({ pid: second.child.pid })
    second.child.kill("SIGTERM")
    expect((await second.exited).code).toBe(0)
  })

  it("session commands go through the supervisor and give what the direct path gives", async () => {
    const direct = Schema.decodeUnknownSync(Session)(mycoJson(["session", "create", "--id", "direct-1"], opts()))
    const daemon = await startDaemon(project)
    const watchProcess = spawn(process.execPath, [mycoBin, "session", "watch", "--json"], { cwd: project.dir, env: project.env })
    let watchOut = ""
    watchProcess.stdout.on("data", (d: Buffer) => (watchOut += d.toString()))
    await new Promise<void>((resolve) => watchProcess.stderr.on("data", (d: Buffer) => d.toString().includes("watching") && resolve()))
    const watcher = new Promise<{ stdout: string }>((resolve) => watchProcess.on("close", () => resolve({ stdout: watchOut })))
    const viaDaemon = Schema.decodeUnknownSync(Session)(mycoJson(["session", "create", "--id", "daemon-1"], opts()))
    for (const command of ["complete", "process", "archive"]) {
      expect(run("session", command, "daemon-1").status).toBe(0)
      expect(run("session", command, "direct-1").status).toBe(0)
    }
    const invalid = run("session", "complete", "daemon-1")
    expect(invalid.status).toBe(65)
    expect(run("session", "show", "nope").status).toBe(66)
    const history = (id: string) =>
      (mycoJson(["session", "history", id], opts()) as ReadonlyArray<{ command: string; from: string | null; to: string }>).map((h) => [
        h.command,
        h.from,
        h.to
      ])
    expect(history("daemon-1")).toEqual(history("direct-1"))
    expect(viaDaemon.boundary).toEqual(direct.boundary)
    watchProcess.kill("SIGINT")
    const watched = await watcher
    daemon.child.kill("SIGTERM")
    await daemon.exited
    const lines = watched.stdout.trim().split("\n").filter((l) => l !== "")
    const seen = lines.map((l) => JSON.parse(l)).filter((i) => i._tag === "Transitioned").map((i) => `${i.record.sessionId}:${i.record.command}`)
    expect(seen).toContain("daemon-1:create")
    expect(seen).toContain("daemon-1:archive")
    expect(seen).toContain("direct-1:complete")
    // After the supervisor is gone, the same commands work directly.
    expect(run("session", "restore", "daemon-1").status).toBe(0)
  })

  it("falls back to a short socket path when the vault's path is too long", async () => {
    const deep = path.join(project.dir, "x".repeat(60), "y".repeat(60))
    fs.mkdirSync(deep, { recursive: true })
    const long = { ...project, dir: deep }
    expect(myco(["init"], { cwd: deep, env: project.env }).status).toBe(0)
    const daemon = await startDaemon(long)
    expect(Buffer.byteLength(daemon.socket)).toBeLessThanOrEqual(100)
    expect(daemon.socket).not.toContain(deep)
    expect(daemonSocket(long)).toBe(daemon.socket)
    expect(fs.statSync(path.dirname(daemon.socket)).mode & 0o777).toBe(0o700)
    expect(mycoJson(["status"], { cwd: deep, env: project.env })).toMatchObject({ socket: daemon.socket })
    daemon.child.kill("SIGTERM")
    expect((await daemon.exited).code).toBe(0)
    expect(fs.existsSync(daemon.socket)).toBe(false)
  })
})
