/**
 * An agent taken out of `agents.allowed` whose hooks are still installed: its hooks run and exit 0,
 * and the supervisor refuses what they send. That must not vanish without a word: the real
 * binaries count the refusals in the vault, log them at warn (once a minute at most), and
 * `myco doctor` and `myco hooks status` say so, with what to do.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { CheckResult } from "../../src/diagnostics/Check.js"
import { HooksStatusReport } from "../../src/install/Installer.js"
import { myco, mycoAsync, repoRoot, tempProject, type TempProject } from "../support/cli.js"
import { startDaemon } from "../support/daemon.js"
import { eventually, hookEnv, runHook } from "../support/hook.js"

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-refused-")
})
afterEach(() => {
  project.cleanup()
})

const run = (...args: Array<string>) => myco(args, { cwd: project.dir, env: project.env })
const fixture = (name: string) => fs.readFileSync(path.join(repoRoot, "test", "fixtures", "agents", "windsurf", `${name}.json`), "utf8")

describe("a disallowed agent's hook events", () => {
  it("are counted, logged once, and reported by doctor and hooks status", async () => {
    expect(run("init").status).toBe(0)
    const config = path.join(project.dir, ".myco", "myco.yaml")
    const yaml = fs.readFileSync(config, "utf8")
    expect(yaml).toContain("    - windsurf\n")
    fs.writeFileSync(config, yaml.replace("    - windsurf\n", ""))
    expect(run("hooks", "install", "--agent", "windsurf").status).toBe(0)
    // Before anything was refused, nothing to say.
    expect(run("hooks", "status").stdout).toMatch(/windsurf\s+installed\s+\.windsurf/)

    const daemon = await startDaemon(project)
    for (const event of ["pre_user_prompt", "post_run_command", "pre_user_prompt"]) {
      const payload = fixture(event === "pre_user_prompt" ? "pre_user_prompt" : "post_run_command")
      const hook = await runHook([event, "--agent", "windsurf"], payload, { cwd: project.dir, env: hookEnv(project) })
      expect(hook.status).toBe(0)
    }
    const log = path.join(project.dir, ".myco", "logs", "myco.log")
    await eventually(() => fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("refused"), 10_000, "the refusal in the log")

    const doctor = run("doctor", "--json")
    const checks = Schema.decodeUnknownSync(Schema.Array(CheckResult))(JSON.parse(doctor.stdout))
    const refused = checks.find((c) => c.check === "refusals windsurf")
    expect(refused).toMatchObject({ status: "warn" })
    expect(refused?.detail).toContain("3 hook events of windsurf were refused (last: pre_user_prompt")
    expect(refused?.detail).toContain("not in agents.allowed")
    expect(refused?.fix).toContain("agents.allowed")
    expect(refused?.fix).toContain("myco hooks uninstall --agent windsurf")
    expect(run("doctor").stdout).toMatch(/warn\s+refusals windsurf\s+3 hook events of windsurf were refused/)

    const status = run("hooks", "status")
    expect(status.stdout).toMatch(/windsurf\s+installed, refused 3 events \(last pre_user_prompt, \d{4}-\d\d-\d\dT/)
    expect(status.stdout).toContain("add it to agents.allowed in .myco/myco.yaml, or `myco hooks uninstall --agent windsurf`")
    const json = Schema.decodeUnknownSync(HooksStatusReport)(JSON.parse(run("hooks", "status", "--json").stdout))
    expect(json.agents.find((a) => a.agent === "windsurf")?.refused).toMatchObject({ count: 3, lastEvent: "pre_user_prompt", reason: "agent-not-allowed", current: true })
    expect(json.agents.find((a) => a.agent === "claude-code")?.refused).toBeNull()

    expect((await mycoAsync(["stop"], { cwd: project.dir, env: project.env })).status).toBe(0)
    await daemon.exited
    // Logged at warn once (three refusals within a minute), on stderr and in the log alike.
    const warnings = fs.readFileSync(log, "utf8").split("\n").filter((l) => l.includes("hook events of windsurf are refused"))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('"level":"WARN"')
    expect(daemon.stderr().split("\n").filter((l) => l.includes("hook events of windsurf are refused"))).toHaveLength(1)

    // Allowed again: the old refusals are history, not a warning.
    fs.writeFileSync(config, yaml)
    const after = Schema.decodeUnknownSync(Schema.Array(CheckResult))(JSON.parse(run("doctor", "--json").stdout))
    expect(after.find((c) => c.check.startsWith("refusals"))).toMatchObject({ check: "refusals", status: "ok" })
  })
})
