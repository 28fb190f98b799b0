/**
 * The real supervisor, SIGKILLed while a process harness runs, leaves nothing behind once it is
 * started again: `myco harness try` on a harness whose process forks children (two in its group,
 * one that leaves it with setsid, all ignoring SIGTERM) goes through the running `myco run`; the
 * supervisor is killed with SIGKILL mid-run, the whole family survives it (nothing else could end
 * it), and the next `myco run` ends every one of them before it serves.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { myco, mycoBin, type TempProject, tempProject } from "../support/cli.js"
import { startDaemon } from "../support/daemon.js"
import { FIXTURE_DIR } from "../fixtures/harness/context.js"
import { processesWithMarker, uniqueMarker, waitFor } from "./support.js"

let project: TempProject
const marker = uniqueMarker("supervisor-kill")

beforeAll(() => {
  project = tempProject("myco-harness-kill-")
  expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
  expect(myco(["session", "create", "--id", "s1"], { cwd: project.dir, env: project.env }).status).toBe(0)
  const dir = path.join(project.dir, ".agents", "harnesses")
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(
    path.join(dir, "family.yaml"),
    [
      "runtime: process",
      "capabilities: [extract]",
      "limits: { timeout: 10m }",
      "process:",
      `  command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(path.join(FIXTURE_DIR, "harness.mjs"))}, family, ${marker}]`
    ].join("\n") + "\n"
  )
})

afterAll(() => {
  for (const pid of processesWithMarker(marker)) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // gone already
    }
  }
  project.cleanup()
})

describe("a supervisor killed with harnesses running", () => {
  it("leaves no harness process behind after its restart", async () => {
    const daemon = await startDaemon(project)
    const tried = spawn(process.execPath, [mycoBin, "harness", "try", "family", "--session", "s1", "--prompt", "go"], {
      cwd: project.dir,
      env: project.env,
      stdio: "ignore"
    })
    const family = () => processesWithMarker(marker)
    await waitFor("the harness and its three children", () => family().length === 4, 120_000)
    daemon.child.kill("SIGKILL")
    await daemon.exited
    tried.kill("SIGKILL")
    // Nothing ended the family: it outlives the supervisor.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(family()).toHaveLength(4)
    const again = await startDaemon(project)
    try {
      await waitFor("the orphans to be ended", () => family().length === 0, 60_000)
    } finally {
      again.child.kill("SIGTERM")
      await again.exited
    }
    expect(family()).toEqual([])
  }, 240_000)
})
