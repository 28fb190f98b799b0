/**
 * `myco mcp --run <id>`: the built binary, spoken to in MCP over its stdio, against the gateway's
 * requests served on a real Unix socket (the daemon's own handlers and run tokens, with a small
 * in-memory gateway that enforces an allow-list). It lists only the run's allowed tools; an
 * allowed call is served by the supervisor; a refused one comes back as a tool error the model
 * can read, and is recorded by the gateway; once the token is revoked no call gets through, and a
 * server started with a revoked token or with no supervisor says so and exits.
 */
import * as fs from "node:fs"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { myco, mycoBin, type TempProject, tempProject } from "../support/cli.js"
import { memoryGateway, startToolServer, type ToolServer } from "../support/gateway.js"
import { initialize, type McpPeer, startMcp } from "../support/mcp-client.js"

const built = fs.existsSync(mycoBin)

const textOf = (result: Record<string, unknown> | undefined): string => {
  const content = result?.["content"]
  if (!Array.isArray(content)) return ""
  return content.map((c: unknown) => (typeof c === "object" && c !== null && "text" in c && typeof c.text === "string" ? c.text : "")).join("")
}

describe.skipIf(!built)("myco mcp --run", () => {
  const cleanups: Array<() => Promise<unknown> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  const setup = async (): Promise<{ project: TempProject; server: ToolServer }> => {
    const project = tempProject("myco-mcp-")
    cleanups.push(() => project.cleanup())
    const init = myco(["init"], { cwd: project.dir, env: project.env })
    expect(init.status, init.stderr).toBe(0)
    const server = await startToolServer(project.dir)
    cleanups.push(() => server.close())
    return { project, server }
  }

  const spawnMcp = (project: TempProject, runId: string, token: string | undefined): McpPeer => {
    const env: NodeJS.ProcessEnv = { ...project.env }
    if (token !== undefined) env["MYCO_RUN_TOKEN"] = token
    const peer = startMcp(process.execPath, [mycoBin, "mcp", "--run", runId, "--vault", project.dir], { cwd: project.dir, env })
    cleanups.push(() => {
      if (peer.child.exitCode === null) peer.child.kill("SIGKILL")
    })
    return peer
  }

  it("lists the allowed tools, serves an allowed call, returns a refused one as a tool error, and stops at the end of stdin", async () => {
    const { project, server } = await setup()
    const gateway = memoryGateway("run-1", ["echo"])
    const { token, revoke } = await server.issue("run-1", gateway)
    cleanups.push(revoke)
    const peer = spawnMcp(project, "run-1", token)

    const init = await initialize(peer)
    expect(init.error).toBeUndefined()
    expect(init.result?.["serverInfo"]).toMatchObject({ name: "myco" })
    expect(init.result?.["capabilities"]).toHaveProperty("tools")

    const list = await peer.request("tools/list", {})
    const tools = list.result?.["tools"]
    expect(Array.isArray(tools) ? tools.map((t: { name: string }) => t.name) : tools).toEqual(["echo"])

    const served = await peer.request("tools/call", { name: "echo", arguments: { text: "hello" } })
    expect(served.error).toBeUndefined()
    expect(served.result?.["isError"]).not.toBe(true)
    expect(JSON.parse(textOf(served.result))).toEqual({ echo: "hello" })
    expect(gateway.served).toEqual([{ tool: "echo", args: { text: "hello" } }])

    // A tool it did not list: forwarded, refused by the gateway in the supervisor, readable.
    const refused = await peer.request("tools/call", { name: "secret", arguments: {} })
    expect(refused.error).toBeUndefined()
    expect(refused.result?.["isError"]).toBe(true)
    expect(textOf(refused.result)).toMatch(/refused the call of secret: secret is not in this harness's tools\.allow/)
    // Arguments that do not decode: refused too, still a tool error.
    const bad = await peer.request("tools/call", { name: "echo", arguments: { text: 5 } })
    expect(bad.result?.["isError"]).toBe(true)
    expect(gateway.refusals.map((r) => r.tool)).toEqual(["secret", "echo"])
    expect(gateway.refusals[0]?.argumentBytes).toBe(2)

    expect(await peer.close()).toBe(0)
  }, 120_000)

  it("once the run's token is revoked, a call is a tool error saying the run is over; a new server refuses to start", async () => {
    const { project, server } = await setup()
    const gateway = memoryGateway("run-2", ["echo"])
    const { token, revoke } = await server.issue("run-2", gateway)
    const peer = spawnMcp(project, "run-2", token)
    await initialize(peer)
    expect((await peer.request("tools/call", { name: "echo", arguments: { text: "a" } })).result?.["isError"]).not.toBe(true)
    await revoke()
    const after = await peer.request("tools/call", { name: "echo", arguments: { text: "b" } })
    expect(after.result?.["isError"]).toBe(true)
    expect(textOf(after.result)).toMatch(/this run is over \(its token is revoked\)/)
    expect(gateway.served).toHaveLength(1)
    await peer.close()

    // Started again with the revoked token, or another run's id with a live token: it exits (77).
    const again = spawnMcp(project, "run-2", token)
    expect(await again.exited).toBe(77)
    expect(again.stderr()).toMatch(/no live run run-2 holds this token/)
    const live = await server.issue("run-3", memoryGateway("run-3", ["echo"]))
    cleanups.push(live.revoke)
    const stolen = spawnMcp(project, "run-2", live.token)
    expect(await stolen.exited).toBe(77)
  }, 120_000)

  it("says what is wrong when there is no token or no supervisor", async () => {
    const { project, server } = await setup()
    const noToken = spawnMcp(project, "run-4", undefined)
    expect(await noToken.exited).toBe(64)
    expect(noToken.stderr()).toMatch(/MYCO_RUN_TOKEN is not set/)

    const { token, revoke } = await server.issue("run-4", memoryGateway("run-4", ["echo"]))
    cleanups.push(revoke)
    const peer = spawnMcp(project, "run-4", token)
    await initialize(peer)
    await server.close()
    const down = await peer.request("tools/call", { name: "echo", arguments: { text: "x" } })
    expect(down.result?.["isError"]).toBe(true)
    expect(textOf(down.result)).toMatch(/the supervisor is not reachable/)
    await peer.close()

    fs.rmSync(`${project.dir}/.myco/run/daemon.json`)
    const none = spawnMcp(project, "run-4", token)
    expect(await none.exited).toBe(69)
    expect(none.stderr()).toMatch(/supervisor of .* is not running/)
  }, 120_000)
})
