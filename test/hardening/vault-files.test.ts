/**
 * What a planted vault directory or a hostile payload does to the real binaries: a `run/` or
 * `spool/` replaced by a link is never followed (the supervisor refuses to start, saying why and
 * how to fix it, and writes nothing through the link); a hook payload nesting thousands deep is
 * kept, as text, in its session, with a warning, never dropped and never crashing anything.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { myco, tempProject, type TempProject } from "../support/cli.js"
import { startDaemon } from "../support/daemon.js"
import { eventually, hookEnv, runHook, storedEvents } from "../support/hook.js"

let project: TempProject | undefined
afterEach(() => project?.cleanup())

describe("planted vault directories", () => {
  it.each(["run", "spool"])("a %s/ that is a link: the supervisor refuses to start and follows nothing", (name) => {
    project = tempProject("myco-planted-dir-")
    myco(["init"], { cwd: project.dir, env: project.env })
    const dir = path.join(project.dir, ".myco", name)
    const elsewhere = path.join(project.dir, "elsewhere")
    fs.mkdirSync(elsewhere)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.symlinkSync(elsewhere, dir)
    const run = myco(["run"], { cwd: project.dir, env: project.env })
    expect(run.status).toBe(78)
    expect(run.stderr).toContain(`${dir} is a symbolic link`)
    expect(run.stderr).toContain("fix:")
    expect(fs.readdirSync(elsewhere)).toEqual([])
  })
})

describe("hostile payloads", () => {
  it("a payload nesting 5,000 and 100,000 deep is stored in its session as text, with a warning", async () => {
    project = tempProject("myco-deep-")
    myco(["init"], { cwd: project.dir, env: project.env })
    const daemon = await startDaemon(project)
    try {
      for (const depth of [5000, 100_000]) {
        const payload = `{"session_id":"deep-session","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":${"[".repeat(depth)}${"]".repeat(depth)}}`
        const result = await runHook(["PostToolUse", "--agent", "claude-code"], payload, { cwd: project.dir, env: hookEnv(project) })
        expect(result.status).toBe(0)
        expect(result.stderr).toBe("")
      }
      await eventually(() => storedEvents(project!).filter((e) => e.session_id === "deep-session").length === 2, 30_000, "both events to be stored")
      for (const event of storedEvents(project).filter((e) => e.session_id === "deep-session")) {
        const text = JSON.stringify(event.payload)
        expect(text).toContain('"status":"too-deep"')
        expect(text).toContain("could not be read whole")
      }
      expect(daemon.child.exitCode).toBeNull()
    } finally {
      daemon.child.kill("SIGTERM")
      await daemon.exited
    }
  })
})
