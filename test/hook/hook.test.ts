/**
 * The hook binary for real: built dist/myco-hook.cjs processes fed like an agent feeds them, a
 * real supervisor (or none), the vault's SQLite file read back.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { myco, mycoJson, tempProject, type TempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"
import { claudePayload, eventually, hookBin, hookEnv, runHook, spooled, storedEvents, unattributedEvents } from "../support/hook.js"

let project: TempProject
let daemon: RunningDaemon | undefined
beforeEach(() => {
  project = tempProject("myco-hook-")
  expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
})
afterEach(async () => {
  if (daemon !== undefined && daemon.child.exitCode === null) {
    daemon.child.kill("SIGTERM")
    await daemon.exited
  }
  daemon = undefined
  // A supervisor a hook started is stopped too.
  myco(["stop"], { cwd: project.dir, env: project.env })
  project.cleanup()
})

const opts = () => ({ cwd: project.dir, env: hookEnv(project) })
/** Whether one of the process's threads is blocked in read(2) on fd 0 (Linux /proc). */
const blockedOnStdin = (pid: number): boolean => {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).some((task) => {
      try {
        return fs.readFileSync(`/proc/${pid}/task/${task}/syscall`, "utf8").startsWith("0 0x0 ")
      } catch {
        return false
      }
    })
  } catch {
    return false
  }
}

const claude = (event: string, session: string, fields: Record<string, unknown> = {}) =>
  runHook([event, "--agent", "claude-code"], claudePayload(event, session, project.dir, fields), opts())

interface ShownEvent {
  readonly seq: number
  readonly kind: string
  readonly late: boolean
  readonly payload: { readonly data: Record<string, unknown>; readonly boundary?: Record<string, ReadonlyArray<unknown>> }
}
interface Shown {
  readonly status: string
  readonly agent: string
  readonly history: ReadonlyArray<{ readonly command: string; readonly reason: string }>
  readonly events: ReadonlyArray<ShownEvent>
}
const isShown = (u: unknown): u is Shown => typeof u === "object" && u !== null && "events" in u && Array.isArray(u.events)
const show = (id: string): Shown => {
  const shown = mycoJson(["session", "show", id], { cwd: project.dir, env: project.env })
  if (!isShown(shown)) throw new Error(`unexpected session show output: ${JSON.stringify(shown)}`)
  return shown
}

/** One check of `myco doctor --json`. */
const doctor = (check: string): unknown => {
  const result = myco(["doctor", "--json"], { cwd: project.dir, env: project.env })
  const checks: unknown = JSON.parse(result.stdout)
  return Array.isArray(checks) ? checks.find((c: unknown) => typeof c === "object" && c !== null && "check" in c && c.check === check) : undefined
}

describe("hook with a running supervisor", () => {
  it("creates the session on its first event, stores each event normalised, and completes it at SessionEnd", async () => {
    daemon = await startDaemon(project)
    const id = "5b4a8f1e-0c6d-4e2b-9a57-3f1d2c4b6e80"
    const steps: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
      ["SessionStart", { source: "startup" }],
      ["UserPromptSubmit", { prompt: "list the files" }],
      ["PostToolUse", { tool_name: "Bash", tool_input: { command: "ls" }, tool_response: { stdout: "a.txt\n", stderr: "", interrupted: false }, tool_use_id: "toolu_01" }],
      ["Stop", { stop_hook_active: false }],
      ["SessionEnd", { reason: "prompt_input_exit" }]
    ]
    for (const [event, fields] of steps) {
      const result = await claude(event, id, fields)
      expect(result).toMatchObject({ status: 0, stdout: "" })
    }
    expect(spooled(project)).toEqual([])
    const shown = show(id)
    expect(shown.status).toBe("completed")
    expect(shown.agent).toBe("claude-code")
    expect(shown.events.map((e) => e.kind)).toEqual(["session.start", "prompt", "tool.use", "turn.end", "session.end"])
    expect(shown.events.every((e) => !e.late)).toBe(true)
    expect(shown.events[1]?.payload.data).toMatchObject({ prompt: "list the files" })
    expect(shown.events[2]?.payload.data).toMatchObject({ tool: { name: "Bash", input: { command: "ls" }, response: { stdout: "a.txt\n" } } })
    expect(shown.history.map((h) => h.command)).toEqual(["create", "complete"])
    expect(shown.history[1]?.reason).toBe("SessionEnd hook")
  })

  it("reopens a completed session when the agent resumes it, and records late events without reopening", async () => {
    daemon = await startDaemon(project)
    const id = "resumed-session-1"
    await claude("SessionStart", id, { source: "startup" })
    await claude("SessionEnd", id, { reason: "exit" })
    await claude("UserPromptSubmit", id, { prompt: "too late" })
    expect(show(id).status).toBe("completed")
    expect(show(id).events.find((e) => e.kind === "prompt")?.late).toBe(true)
    await claude("SessionStart", id, { source: "resume" })
    const shown = show(id)
    expect(shown.status).toBe("active")
    expect(shown.history.map((h) => h.command)).toEqual(["create", "complete", "reopen"])
  })

  it("applies the capture boundary: secrets redacted, excluded files withheld, each change recorded", async () => {
    daemon = await startDaemon(project)
    const id = "boundary-session"
    const token = `ghp_${"a1B2c3D4e5".repeat(4)}`
    await claude("UserPromptSubmit", id, { prompt: `push with ${token} please` })
    await claude("PostToolUse", id, {
      tool_name: "Read",
      tool_input: { file_path: path.join(project.dir, ".env") },
      tool_response: { type: "text", file: { filePath: path.join(project.dir, ".env"), content: "DATABASE_PASSWORD=hunter22" } }
    })
    const events = show(id).events
    const stored = JSON.stringify(events)
    expect(stored).not.toContain(token)
    expect(stored).not.toContain("hunter22")
    expect(events[0]?.payload.data["prompt"]).toBe("push with [REDACTED:github-token] please")
    expect(events[0]?.payload.boundary?.["redactions"]).toEqual([{ path: "data.prompt", rule: "github-token" }])
    expect(events[1]?.payload.boundary?.["excluded"]?.length).toBeGreaterThan(0)
  })

  it("refuses sessions of an agent the vault does not allow, and still exits 0", async () => {
    fs.writeFileSync(path.join(project.dir, ".myco", "myco.yaml"), "version: 1\nagents:\n  allowed: [cli, cursor]\n")
    daemon = await startDaemon(project)
    const result = await claude("SessionStart", "not-allowed", { source: "startup" })
    expect(result.status).toBe(0)
    expect(spooled(project)).toEqual([])
    expect(myco(["session", "show", "not-allowed"], { cwd: project.dir, env: project.env }).status).toBe(66)
  })

  it("keeps the order of concurrent hooks of one session: the order the agent started them", async () => {
    daemon = await startDaemon(project)
    const id = "ordered-session"
    const runs: Array<Promise<number | null>> = []
    // Each hook is started before the previous ones finish (as an agent fires async hooks). The
    // order is the one in which the processes started: each next hook is started once the
    // previous one is known to be running (blocked reading its stdin, so past its start time),
    // and then all of them deliver at once, racing each other.
    const writes: Array<() => void> = []
    for (let i = 0; i < 24; i++) {
      const child = spawn(process.execPath, [hookBin, "UserPromptSubmit", "--agent", "claude-code"], { cwd: project.dir, env: opts().env, stdio: ["pipe", "ignore", "ignore"] })
      runs.push(new Promise((resolve) => child.on("exit", resolve)))
      await eventually(() => child.pid !== undefined && blockedOnStdin(child.pid), 60_000, `hook ${i} to start`)
      writes.push(() => child.stdin.end(claudePayload("UserPromptSubmit", id, project.dir, { prompt: `prompt ${i}` })))
    }
    for (const write of writes) write()
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 24 }, () => 0))
    const prompts = show(id).events.map((e) => e.payload.data["prompt"])
    expect(prompts).toEqual(Array.from({ length: 24 }, (_, i) => `prompt ${i}`))
  }, 180_000)

  it("records malformed input (empty, not JSON, binary, huge) without crashing, apart from sessions", async () => {
    daemon = await startDaemon(project)
    const huge = Buffer.alloc(12 * 1024 * 1024, 0x61)
    const inputs: ReadonlyArray<string | Buffer | undefined> = [undefined, "", "{not json", Buffer.from([0, 255, 254, 1, 2, 3, 0x80]), huge]
    for (const input of inputs) {
      const result = await runHook(["PostToolUse", "--agent", "claude-code"], input, opts())
      expect(result.status).toBe(0)
      expect(result.stdout).toBe("")
    }
    await eventually(() => spooled(project).length === 0, 10_000, "the spool to be drained")
    const rows = unattributedEvents(project)
    expect(rows).toHaveLength(5)
    expect(rows.map((r) => r.reason.split(" (")[0])).toEqual(
      expect.arrayContaining(["hook input empty", "hook input not-json", "hook input oversize"])
    )
    expect(rows.every((r) => r.agent === "claude-code" && r.event === "PostToolUse")).toBe(true)
    expect(doctor("unattributed")).toMatchObject({ status: "warn", detail: expect.stringContaining("5 hook events named no session") })
  })
})

describe("hook with an oversized payload", () => {
  it("keeps the event in its session, named from the payload's beginning, with what was kept", async () => {
    daemon = await startDaemon(project)
    const id = "oversized-session"
    const payload = claudePayload("PostToolUse", id, project.dir, { tool_name: "Read", tool_response: "x".repeat(9 * 1024 * 1024) })
    const result = await runHook(["PostToolUse", "--agent", "claude-code"], payload, opts())
    expect(result).toMatchObject({ status: 0, stdout: "" })
    await eventually(() => spooled(project).length === 0, 10_000, "the spool to be drained")
    const [event] = show(id).events
    expect(event?.kind).toBe("tool.use")
    expect(event?.payload).toMatchObject({
      input: { status: "oversize", bytes: Buffer.byteLength(payload), from: "stdin" },
      warnings: [expect.stringContaining("could not be read whole")]
    })
    expect(unattributedEvents(project)).toEqual([])
  })
})

describe("hook without a supervisor", () => {
  it("spools every event, exits 0, and the next supervisor drains them exactly once", async () => {
    const sessions = ["down-a", "down-b"]
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => claude("UserPromptSubmit", sessions[i % 2] ?? "", { prompt: `offline ${i}` }))
    )
    expect(results.every((r) => r.status === 0 && r.stdout === "")).toBe(true)
    expect(spooled(project)).toHaveLength(20)
    expect(doctor("spool")).toMatchObject({ status: "warn", detail: expect.stringContaining("20 hook events wait") })

    daemon = await startDaemon(project)
    await eventually(() => spooled(project).length === 0, 15_000, "the spool to be drained")
    const prompts = () => storedEvents(project).map((e) => JSON.stringify(e.payload))
    expect(prompts()).toHaveLength(20)
    for (let i = 0; i < 20; i++) expect(prompts().filter((p) => p.includes(`"offline ${i}"`))).toHaveLength(1)

    // Spooled again (as if a hook had timed out after the commit) and drained again: no duplicate.
    daemon.child.kill("SIGTERM")
    await daemon.exited
    daemon = undefined
    const again = await claude("UserPromptSubmit", "down-a", { prompt: "offline 20" })
    expect(again.status).toBe(0)
    const [file] = spooled(project)
    expect(file).toBeDefined()
    const copy = path.join(project.dir, ".myco", "spool", `${"9".repeat(15)}-copy.json`)
    fs.copyFileSync(path.join(project.dir, ".myco", "spool", file ?? ""), copy)
    daemon = await startDaemon(project)
    await eventually(() => spooled(project).length === 0, 15_000, "the spool to be drained")
    expect(storedEvents(project)).toHaveLength(21)
  })

  it("starts a supervisor itself, which drains what was spooled", async () => {
    const result = await runHook(
      ["SessionStart", "--agent", "claude-code"],
      claudePayload("SessionStart", "autostarted", project.dir, { source: "startup" }),
      { cwd: project.dir, env: hookEnv(project, true) }
    )
    expect(result.status).toBe(0)
    await eventually(() => storedEvents(project).length === 1, 20_000, "the started supervisor to store the event")
    // The file goes once its event is committed: just after the commit, not with it.
    await eventually(() => spooled(project).length === 0, 20_000, "the spooled file to be removed")
    expect(storedEvents(project)).toHaveLength(1)
    expect(show("autostarted").status).toBe("active")
  })

  it("moves a spooled file that is not a hook event aside instead of losing or retrying it", async () => {
    const spool = path.join(project.dir, ".myco", "spool")
    fs.mkdirSync(spool, { recursive: true })
    fs.writeFileSync(path.join(spool, `${"1".repeat(15)}-garbage.json`), "{\"_tag\":\"HookEvent\"}")
    daemon = await startDaemon(project)
    await eventually(() => spooled(project).length === 0, 10_000, "the spool to be looked at")
    const name = `${"1".repeat(15)}-garbage.json`
    expect(fs.readdirSync(path.join(spool, "rejected")).sort()).toEqual([name, `${name}.reason.txt`])
    // Beside it, why it was moved (the schema's complaint), never its content in the log.
    expect(fs.readFileSync(path.join(spool, "rejected", `${name}.reason.txt`), "utf8")).toMatch(/moved aside .*garbage\.json: /)
  })

  it("gives up only without a vault, saying why on stderr, and still exits 0", async () => {
    const missing = await runHook(["Stop", "--agent", "claude-code", "--vault", path.join(project.dir, "nowhere")], "{}", opts())
    expect(missing).toMatchObject({ status: 0, stdout: "" })
    expect(missing.stderr).toContain(`no vault at ${path.join(project.dir, "nowhere", ".myco")} (from --vault`)
    const outside = tempProject("myco-novault-")
    try {
      const none = await runHook(["Stop", "--agent", "claude-code"], "{}", { cwd: outside.dir, env: hookEnv(outside) })
      expect(none.status).toBe(0)
      expect(none.stderr).toContain("myco init")
    } finally {
      outside.cleanup()
    }
  })

  it("is also `myco hook ...`", async () => {
    const result = myco(["hook", "SessionStart", "--agent", "claude-code"], { cwd: project.dir, env: hookEnv(project) })
    expect(result.status).toBe(0)
    expect(spooled(project)).toHaveLength(1)
  })
})

describe("hook with a supervisor that does not answer", () => {
  /** A peer on the vault's socket that accepts connections and never replies. */
  const silentPeer = async () => {
    const socket = path.join(project.dir, ".myco", "run", "myco.sock")
    let accepted = 0
    const peers: Array<net.Socket> = []
    const server = net.createServer((peer) => {
      accepted++
      peers.push(peer)
    })
    await new Promise<void>((resolve) => server.listen(socket, resolve))
    return {
      accepted: () => accepted,
      close: () => {
        for (const peer of peers) peer.destroy()
        server.close()
      }
    }
  }

  it("spools the event once its wait for the acknowledgement is over, and exits 0", async () => {
    const peer = await silentPeer()
    try {
      const result = await runHook(
        ["UserPromptSubmit", "--agent", "claude-code"],
        claudePayload("UserPromptSubmit", "silent", project.dir, { prompt: "anyone there?" }),
        { cwd: project.dir, env: { ...hookEnv(project), MYCO_HOOK_TIMEOUT_MS: "300" } }
      )
      expect(result).toMatchObject({ status: 0, stdout: "" })
      expect(spooled(project)).toHaveLength(1)
    } finally {
      peer.close()
    }
  })

  it("spools the event when the agent terminates the hook while it waits", async () => {
    const peer = await silentPeer()
    try {
      const child = spawn(process.execPath, [hookBin, "UserPromptSubmit", "--agent", "claude-code"], {
        cwd: project.dir,
        env: { ...hookEnv(project), MYCO_HOOK_TIMEOUT_MS: "60000" }
      })
      child.stdin.end(claudePayload("UserPromptSubmit", "silent", project.dir, { prompt: "still there?" }))
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      // Once it is connected and waiting, the agent gives up on it.
      await eventually(() => peer.accepted() > 0, 10_000, "the hook to connect")
      child.kill("SIGTERM")
      expect(await exited).toBe(0)
      expect(spooled(project)).toHaveLength(1)
    } finally {
      peer.close()
    }
  })
})
