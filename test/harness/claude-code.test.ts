/**
 * The claude-code runtime with the real Claude Code CLI, offline against the scripted model
 * server: the model calls a myco tool (served through `myco mcp --run <id>`, the built binary,
 * and the gateway's requests on a real socket), then a built-in tool and a gateway tool the
 * manifest does not allow (both refused, and recorded on the run), then answers with the final
 * JSON. The run's outcome, usage and diagnostics are checked, and no process of the run is left.
 *
 * Claude Code is installed from npm on first use (test/support/claude.ts); the test skips when it
 * cannot be, or when the myco binary is not built.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import type { HarnessManifest } from "../../src/harness/Manifest.js"
import type { RunDiagnostics } from "../../src/harness/Runtime.js"
import type { TaskDocument } from "../../src/harness/Task.js"
import { makeClaudeCode, parseAnswer } from "../../src/harness/runtimes/ClaudeCode.js"
import { ensureClaudeCode } from "../support/claude.js"
import { myco, mycoBin, tempProject } from "../support/cli.js"
import { memoryGateway, startToolServer } from "../support/gateway.js"
import { say, startModelServer, useTool } from "../support/model-server.js"

const built = fs.existsSync(mycoBin)

let cli = ""
let installError = ""

const manifest = (overrides: Partial<HarnessManifest> & { readonly baseUrl: string }): HarnessManifest => ({
  name: "claude",
  runtime: "claude-code",
  capabilities: ["title-summary"],
  concurrency: 1,
  limits: { timeout: 180_000, memory: 0, output: 4 * 1024 * 1024, turns: 12, tokens: 0 },
  tools: { allow: ["echo"], read_only: true },
  circuit: { failures: 3, cooldown: 60_000 },
  env: { pass: ["ANTHROPIC_API_KEY"] },
  "claude-code": { binary: cli, model: "claude-sonnet-4-5", base_url: overrides.baseUrl },
  source: "test",
  ...overrides
})

const task = (runId: string): TaskDocument => ({
  schema: "myco.task/v1",
  runId,
  task: {
    name: "title",
    capability: "title-summary",
    instructions: "Give the session a title.",
    outputSchema: { type: "object", properties: { title: { type: "string" } }, required: ["title"] }
  },
  session: { id: "s-1", agent: "claude-code", status: "completed", eventCount: 3 },
  events: { inline: [], total: 0, more: false },
  tools: { allowed: ["echo"] },
  limits: { timeoutMs: 180_000, turns: 12, tokens: 0, outputBytes: 4 * 1024 * 1024 }
})

/** Processes whose command line or working directory mentions `needle`. */
const processesWith = (needle: string): ReadonlyArray<string> => {
  const found: Array<string> = []
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`)
      if (cmdline.includes(needle) || cwd.includes(needle)) found.push(`${pid}: ${cmdline}`)
    } catch {
      // gone, or not ours
    }
  }
  return found
}

describe("the claude-code runtime's pure parts", () => {
  it("reads the final answer as JSON, bare, fenced or inside prose", () => {
    expect(parseAnswer('{"title":"a"}')).toEqual({ ok: true, value: { title: "a" } })
    expect(parseAnswer('Here:\n```json\n{"title":"b"}\n```')).toEqual({ ok: true, value: { title: "b" } })
    expect(parseAnswer('The answer is {"title":"c"}.')).toEqual({ ok: true, value: { title: "c" } })
    expect(parseAnswer("no json here")).toEqual({ ok: false })
  })
})

describe.skipIf(!built)("the claude-code runtime with the real Claude Code", () => {
  beforeAll(async () => {
    try {
      cli = await ensureClaudeCode()
    } catch (e) {
      installError = e instanceof Error ? e.message : String(e)
    }
  }, 600_000)

  const cleanups: Array<() => Promise<unknown> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it("calls a myco tool through the gateway, has the calls the manifest does not allow refused and recorded, and answers", async (ctx) => {
    if (cli === "") ctx.skip(`Claude Code cannot be installed: ${installError}`)
    const project = tempProject("myco-cc-")
    cleanups.push(() => project.cleanup())
    expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
    const server = await startToolServer(project.dir)
    cleanups.push(() => server.close())
    const model = await startModelServer([
      useTool("mcp__myco__echo", { text: "from the model" }),
      useTool("Bash", { command: "cat /etc/passwd" }),
      useTool("mcp__myco__secret", {}),
      say('{"title":"A scripted session"}')
    ])
    cleanups.push(() => model.close())

    const runId = `run-cc-${process.pid}-${Date.now()}`
    const gateway = memoryGateway(runId, ["echo"])
    const runtime = makeClaudeCode({ tokens: server.tokens, mycoCommand: [process.execPath, mycoBin], env: { ...process.env, ANTHROPIC_API_KEY: "test-key" } })
    const probe = await Effect.runPromise(runtime.probe(manifest({ baseUrl: model.url })))
    expect(probe.ok, probe.detail).toBe(true)
    expect(probe.detail).toMatch(/Claude Code/)

    const diagnostics: Array<RunDiagnostics> = []
    const exit = await Effect.runPromiseExit(
      runtime.run({
        runId,
        manifest: manifest({ baseUrl: model.url }),
        task: task(runId),
        gateway,
        projectRoot: project.dir,
        vaultDir: path.join(project.dir, ".myco"),
        diagnose: (d) => Effect.sync(() => void diagnostics.push(d))
      })
    )
    const seen = diagnostics[0]
    expect(Exit.isSuccess(exit), `${JSON.stringify(exit)}\n${seen?.stderrTail ?? ""}`).toBe(true)
    if (Exit.isSuccess(exit)) {
      expect(exit.value.output).toEqual({ title: "A scripted session" })
      expect(exit.value.usage.turns).toBeGreaterThanOrEqual(4)
      expect(exit.value.usage.inputTokens).toBeGreaterThan(0)
    }
    // The allowed call went through `myco mcp` to the gateway; the others never reached a tool.
    expect(gateway.served).toEqual([{ tool: "echo", args: { text: "from the model" } }])
    expect(seen?.refusedTools?.map((r) => r.tool)).toEqual(["Bash", "mcp__myco__secret"])
    expect(seen?.refusedTools?.[0]?.argumentBytes).toBe(JSON.stringify({ command: "cat /etc/passwd" }).length)
    expect(seen?.exitCode).toBe(0)
    // The model saw the tool's answer and the refusals as tool results.
    const lastMain = model.mainRequests().at(-1)
    const sent = JSON.stringify(lastMain?.body)
    expect(sent).toContain("from the model")
    expect(sent).toMatch(/No such tool available: Bash/)
    // Only myco's tool was offered: no built-in.
    const firstMain = model.mainRequests()[0]?.body
    const offered = typeof firstMain === "object" && firstMain !== null && "tools" in firstMain && Array.isArray(firstMain.tools) ? firstMain.tools.map((t: { name: string }) => t.name) : []
    expect(offered).toEqual(["mcp__myco__echo"])

    // The token is revoked with the run, and nothing of the run is left running.
    expect(await Effect.runPromise(server.tokens.live)).toBe(0)
    expect(processesWith(runId)).toEqual([])
    expect(processesWith("myco-claude-")).toEqual([])
  }, 300_000)
})
