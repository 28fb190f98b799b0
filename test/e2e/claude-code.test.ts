/**
 * myco with the real Claude Code: a scripted session (test/support/claude.ts `demoSession`: three
 * prompts, Write, Read, Bash, a failing Bash, a subagent and a `/compact`) runs offline against
 * the scripted model server in a project where `myco hooks install --agent claude-code` put its
 * hooks, with the supervisor already running or started by the hooks themselves; the session must
 * come out of `myco session show` completed, with every prompt (in order), tool call, turn end,
 * subagent, compaction and the session end captured once.
 *
 * Claude Code is installed from npm on first use (node_modules/.cache/myco-e2e); the test skips
 * until the hook binary is built.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { isDeepStrictEqual } from "node:util"
import { afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { claudeEnv, type ClaudeSession, type DemoSession, demoSession, ensureClaudeCode, runClaudeSession, tempHome } from "../support/claude.js"
import { myco, mycoJson, repoRoot, type TempProject, tempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"
import { startModelServer } from "../support/model-server.js"

const hookBuilt = fs.existsSync(path.join(repoRoot, "dist", "myco-hook.cjs"))

/** What the test reads of `myco session show --json` (other fields are ignored). */
const Tool = Schema.Struct({ name: Schema.String, input: Schema.Unknown, response: Schema.optional(Schema.Unknown), error: Schema.optional(Schema.String) })
const ShownEvent = Schema.Struct({
  seq: Schema.Number,
  kind: Schema.String,
  /** When the agent emitted it (its hook process started). */
  at: Schema.String,
  late: Schema.Boolean,
  payload: Schema.Struct({
    agent: Schema.String,
    event: Schema.String,
    data: Schema.Struct({ prompt: Schema.optional(Schema.String), tool: Schema.optional(Tool) }),
    warnings: Schema.optional(Schema.Array(Schema.String))
  })
})
const Shown = Schema.Struct({
  id: Schema.String,
  status: Schema.String,
  agent: Schema.String,
  history: Schema.Array(Schema.Struct({ command: Schema.String, to: Schema.String })),
  events: Schema.Array(ShownEvent)
})
type Shown = typeof Shown.Type
const asShown = Schema.decodeUnknownSync(Shown)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The daemon.json pid, to kill a supervisor the hooks started if `myco stop` did not end it. */
const supervisorPid = (project: TempProject): number | undefined => {
  try {
    const info: unknown = JSON.parse(fs.readFileSync(path.join(project.dir, ".myco", "run", "daemon.json"), "utf8"))
    return typeof info === "object" && info !== null && "pid" in info && typeof info.pid === "number" ? info.pid : undefined
  } catch {
    return undefined
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe.skipIf(!hookBuilt)("myco with the real Claude Code", () => {
  let cli = ""
  beforeAll(async () => {
    cli = await ensureClaudeCode()
  }, 300_000)

  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup()
      } catch {
        // keep cleaning up
      }
    }
  })

  /** Runs the demo session in a fresh project with myco's hooks; returns what myco shows of it. */
  const captureSession = async (supervisor: "running" | "autostarted"): Promise<{ shown: Shown; sessionId: string; demo: DemoSession }> => {
    const project = tempProject("myco-e2e-claude-")
    cleanups.push(() => project.cleanup())
    const vault = path.join(project.dir, ".myco")
    const env: NodeJS.ProcessEnv = { ...project.env, MYCO_HOOK_AUTOSTART: supervisor === "autostarted" ? "1" : "0" }
    const run = (...args: Array<string>) => myco(args, { cwd: project.dir, env })

    const init = run("init")
    expect(init.status, init.stderr).toBe(0)
    const installed = run("hooks", "install", "--agent", "claude-code")
    expect(installed.status, installed.stderr).toBe(0)
    const settings = fs.readFileSync(path.join(project.dir, ".claude", "settings.json"), "utf8")
    expect(settings).toContain(".agents/myco-run.cjs")
    expect(fs.existsSync(path.join(project.dir, ".agents", "myco-run.cjs"))).toBe(true)

    // Whoever started it, the supervisor is stopped at the end, and killed if it does not stop.
    let daemon: RunningDaemon | undefined
    cleanups.push(async () => {
      const pid = supervisorPid(project)
      run("stop", "--vault", vault)
      for (let waited = 0; pid !== undefined && alive(pid) && waited < 5000; waited += 100) await sleep(100)
      if (pid !== undefined && alive(pid)) process.kill(pid, "SIGKILL")
      if (daemon !== undefined && daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill("SIGKILL")
    })
    if (supervisor === "running") daemon = await startDaemon(project, env)

    const demo = demoSession(project.dir, { compact: true })
    const server = await startModelServer(demo.script)
    cleanups.push(() => server.close())
    const home = tempHome()
    cleanups.push(() => fs.rmSync(home, { recursive: true, force: true }))

    const session: ClaudeSession = runClaudeSession({ cli, cwd: project.dir, env: claudeEnv({ home, baseUrl: server.url, env }), prompts: demo.prompts, timeoutMs: 90_000 })
    cleanups.push(() => session.kill())
    const claude = await session.done
    expect(claude.code, `claude exited ${claude.code ?? claude.signal}: ${claude.stderr}`).toBe(0)
    const sessionId = claude.sessionId
    if (sessionId === undefined) throw new Error(`no session id in Claude Code's output: ${claude.stderr}`)
    // Every scripted turn was asked for: the agent really ran the whole script.
    expect(server.mainRequests().length).toBeGreaterThanOrEqual(demo.script.length)

    // Claude Code has exited, but its async hooks may still be running (they are not waited for),
    // and an event a busy supervisor did not acknowledge in time is in the spool until drained:
    // wait until the session is completed and holds every prompt and turn end, or 30 s.
    const show = () => mycoJson(["session", "show", sessionId, "--vault", vault], { cwd: project.dir, env })
    const Progress = Schema.Struct({ status: Schema.String, events: Schema.Array(Schema.Struct({ kind: Schema.String })) })
    const expected = demo.userPrompts.length
    let last = ""
    for (const started = Date.now(); last !== "done" && Date.now() - started < 30_000; ) {
      try {
        const progress = Schema.decodeUnknownSync(Progress)(show())
        const prompts = progress.events.filter((e) => e.kind === "prompt").length
        const turns = progress.events.filter((e) => e.kind === "turn.end").length
        last = progress.status === "completed" && prompts >= expected && turns >= expected ? "done" : `${progress.status}, ${prompts} prompts, ${turns} turn ends`
      } catch (e) {
        last = e instanceof Error ? e.message : String(e)
      }
      if (last !== "done") await sleep(250)
    }
    if (last !== "done") throw new Error(`session ${sessionId} not completed with ${expected} prompts and turn ends within 30 s; last: ${last}`)
    const shown = asShown(show())
    return { shown, sessionId, demo }
  }

  const expectCaptured = ({ shown, sessionId, demo }: { shown: Shown; sessionId: string; demo: DemoSession }): void => {
    expect(shown.id).toBe(sessionId)
    expect(shown.agent).toBe("claude-code")
    expect(shown.status).toBe("completed")
    // myco installs Claude Code's tool hooks async: they reach the supervisor in any order, so `seq` (the
    // order of arrival) is not the session's order. `at` (when each hook process started) is close
    // to it, but hooks tens of ms apart can still swap on a busy machine: only events a whole turn
    // apart (the prompts) are checked in order.
    const events = [...shown.events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq)
    const kinds = events.map((e) => e.kind)
    const context = `events: ${kinds.join(", ")}`
    const count = (kind: string) => kinds.filter((k) => k === kind).length

    for (const e of events) {
      expect(e.payload.agent, context).toBe("claude-code")
      expect(e.kind, `${e.payload.event} is not understood`).not.toBe("unknown")
      expect(e.payload.warnings ?? [], `${e.payload.event}: warnings`).toEqual([])
      expect(e.late, `${e.payload.event} came late`).toBe(false)
    }

    // Nothing lost, nothing twice.
    expect(events.filter((e) => e.kind === "prompt").map((e) => e.payload.data.prompt), context).toEqual(demo.userPrompts)
    expect(count("turn.end"), context).toBe(demo.userPrompts.length)
    expect(count("tool.use"), context).toBe(demo.toolCalls.filter((c) => !c.fails).length)
    expect(count("tool.failure"), context).toBe(demo.toolCalls.filter((c) => c.fails).length)
    expect(count("session.end"), context).toBe(1)
    // SessionStart twice (startup, then after /compact), the subagent and the compaction (whose
    // summarizer also ends with a SubagentStop).
    expect(count("session.start"), context).toBe(2)
    for (const kind of ["subagent.start", "subagent.stop", "compaction"]) expect(kinds, context).toContain(kind)

    // Each tool call, with its input as the model sent it, and its response (or error).
    for (const call of demo.toolCalls) {
      const kind = call.fails ? "tool.failure" : "tool.use"
      const match = events.find((e) => e.kind === kind && e.payload.data.tool?.name === call.name && isDeepStrictEqual(e.payload.data.tool.input, call.input))
      const tool = match?.payload.data.tool
      expect(tool, `${kind} ${call.name} ${JSON.stringify(call.input)}; ${context}`).toBeDefined()
      if (call.fails) expect(tool?.error ?? "").toContain("missing.txt")
      else expect(tool?.response, `${call.name} response`).toBeDefined()
    }

    const lastTransition = shown.history[shown.history.length - 1]
    expect(lastTransition?.command).toBe("complete")
    expect(lastTransition?.to).toBe("completed")
  }


  it("captures a session of several prompts with tool calls, with the supervisor running", async () => {
    expectCaptured(await captureSession("running"))
  }, 180_000)

  it("captures the same session when the hooks have to start the supervisor themselves", async () => {
    expectCaptured(await captureSession("autostarted"))
  }, 180_000)
})
