/**
 * `myco harness` and `myco runs` end to end: the built binary on a real vault, with the supervisor
 * down (the run is carried out in the command's process) and up (through the supervisor's
 * harness actor), every run recorded in the vault's database; invalid manifests in `harness
 * list`, `harness check`, `status` and `doctor`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { myco, mycoJson, type TempProject, tempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"

interface RunJson {
  readonly id: string
  readonly status: string
  readonly harness: string | null
  readonly failureClass: string | null
  readonly result: unknown
  readonly via?: string
  readonly limits: unknown
}

let project: TempProject
const run = (args: ReadonlyArray<string>) => myco(args, { cwd: project.dir, env: project.env })

beforeAll(() => {
  project = tempProject("myco-harness-")
  expect(run(["init"]).status).toBe(0)
  expect(run(["session", "create", "--id", "s1"]).status).toBe(0)
  const dir = path.join(project.dir, ".agents", "harnesses")
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, "typo.yaml"), "runtime: process\ncapabilities: [extract]\nprocess:\n  command: [python3, x.py]\nlimts:\n  timeout: 30s\n")
})
afterAll(() => project.cleanup())

describe("myco harness, supervisor down", () => {
  it("list shows the built-in harness ok and the invalid manifest with its first problem", () => {
    const list = mycoJson(["harness", "list"], { cwd: project.dir, env: project.env }) as ReadonlyArray<{ name: string; status: string; detail: string; runtime: string }>
    expect(list.find((h) => h.name === "builtin")).toMatchObject({ status: "ok", runtime: "builtin" })
    expect(list.find((h) => h.name === "typo")).toMatchObject({ status: "invalid", detail: "limts: unknown key; did you mean limits?" })
  })

  it("check validates and probes: the invalid manifest fails with its fix (exit 78)", () => {
    const checked = run(["harness", "check"])
    expect(checked.status).toBe(78)
    expect(checked.stdout).toMatch(/ok {4}builtin: in-process functions for title-summary/)
    expect(checked.stdout).toContain("limts: unknown key; did you mean limits?")
    expect(checked.stdout).toContain("fix: myco harness check typo")
    expect(run(["harness", "check", "builtin"]).status).toBe(0)
    expect(run(["harness", "check", "nosuch"]).status).toBe(78)
  })

  it("show prints the manifest with its defaults", () => {
    const shown = mycoJson(["harness", "show", "builtin"], { cwd: project.dir, env: project.env }) as { manifest: { limits: { timeout: number; memory: number } } }
    expect(shown.manifest.limits).toMatchObject({ timeout: 300_000, memory: 0 })
  })

  it("try runs in this process, prints the answer and records the run", () => {
    const tried = run(["harness", "try", "builtin", "--session", "s1", "--prompt", "Fix the flaky login test\nand more"])
    expect(tried.status).toBe(0)
    expect(JSON.parse(tried.stdout)).toMatchObject({ title: "Fix the flaky login test" })
    expect(tried.stderr).toContain("in this process")
    const runs = mycoJson(["runs", "list", "--session", "s1"], { cwd: project.dir, env: project.env }) as ReadonlyArray<RunJson>
    expect(runs).toHaveLength(1)
    expect(runs[0]).toMatchObject({ status: "succeeded", harness: "builtin", failureClass: null })
    const shown = mycoJson(["runs", "show", runs[0]?.id ?? ""], { cwd: project.dir, env: project.env }) as RunJson
    expect(shown.limits).toMatchObject({ timeout: 300_000 })
    expect(run(["runs", "show", "run-nope"]).status).toBe(66)
  })

  it("try on an invalid harness is a recorded ConfigError (exit 78); on an unknown session, 66", () => {
    const tried = run(["harness", "try", "typo", "--session", "s1", "--prompt", "x"])
    expect(tried.status).toBe(78)
    expect(tried.stderr).toMatch(/failed \(ConfigError\): typo: its manifest .*typo.yaml is invalid/)
    expect((mycoJson(["runs", "list", "--status", "failed"], { cwd: project.dir, env: project.env }) as ReadonlyArray<RunJson>)[0]).toMatchObject({ failureClass: "ConfigError" })
    expect(run(["harness", "try", "builtin", "--session", "nope", "--prompt", "x"]).status).toBe(66)
  })

  it("doctor reports the invalid manifest with the fix", () => {
    const doctor = mycoJson(["doctor"], { cwd: project.dir, env: project.env }) as ReadonlyArray<{ check: string; status: string; detail: string; fix?: string }>
    const check = doctor.find((c) => c.check === "harness typo")
    expect(check).toMatchObject({ status: "warn" })
    expect(check?.detail).toContain("limts: unknown key; did you mean limits?")
    expect(check?.fix).toContain("myco harness check typo")
  })
})

describe("myco harness, supervisor up", () => {
  let daemon: RunningDaemon
  beforeAll(async () => {
    daemon = await startDaemon(project)
  })
  afterAll(async () => {
    run(["stop"])
    await daemon.exited
  })

  it("try goes through the supervisor's harness actor and is recorded", () => {
    const tried = mycoJson(["harness", "try", "builtin", "--session", "s1", "--prompt", "Through the supervisor"], { cwd: project.dir, env: project.env }) as RunJson
    expect(tried).toMatchObject({ status: "succeeded", harness: "builtin", via: "supervisor", result: { title: "Through the supervisor" } })
    const shown = mycoJson(["runs", "show", tried.id], { cwd: project.dir, env: project.env }) as RunJson
    expect(shown.status).toBe("succeeded")
  })

  it("status shows the harnesses subtree with circuits; list shows the live state", () => {
    const status = run(["status"])
    expect(status.status).toBe(0)
    expect(status.stdout).toContain("builtin  ok, circuit closed")
    expect(status.stdout).toMatch(/└── harnesses {2}running one_for_one, 1 children/)
    const json = mycoJson(["status"], { cwd: project.dir, env: project.env }) as { harnesses: ReadonlyArray<{ name: string; circuit: string; running: ReadonlyArray<string> }> }
    expect(json.harnesses.find((h) => h.name === "builtin")).toMatchObject({ circuit: "closed", running: [] })
    const list = run(["harness", "list"])
    expect(list.stderr).not.toContain("not running")
  })
})
