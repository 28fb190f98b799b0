import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { CheckResult } from "../../src/diagnostics/Check.js"
import { myco, tempProject, type TempProject } from "../support/cli.js"

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-doctor-")
})
afterEach(() => {
  fs.chmodSync(project.dir, 0o755)
  project.cleanup()
})

const run = (...args: Array<string>) => myco(args, { cwd: project.dir, env: project.env })
const checks = (...args: Array<string>) => {
  const result = run("doctor", "--json", ...args)
  return { status: result.status, checks: Schema.decodeUnknownSync(Schema.Array(CheckResult))(JSON.parse(result.stdout)) }
}
const byName = (list: ReadonlyArray<CheckResult>, name: string) => {
  const found = list.find((c) => c.check === name)
  if (found === undefined) throw new Error(`no check ${name} in ${list.map((c) => c.check).join(", ")}`)
  return found
}
const vault = () => path.join(project.dir, ".myco")

describe("myco doctor", () => {
  it("passes a fresh vault, warning only that the supervisor is not running", () => {
    expect(run("init").status).toBe(0)
    const { status, checks: list } = checks()
    expect(status).toBe(0)
    expect(list.filter((c) => c.status !== "ok").map((c) => c.check)).toEqual(["supervisor"])
    for (const name of ["vault", "directories", "writable", "config", "project id", "database", "integrity", "migrations", "lineage", "run files"]) {
      expect(byName(list, name).status, name).toBe("ok")
    }
  })

  it("without a vault: fails and says to run myco init", () => {
    const result = run("doctor")
    expect(result.status).toBe(78)
    expect(result.stdout).toContain("no vault here")
    expect(result.stdout).toContain("fix:  myco init")
  })

  it("names an invalid myco.yaml with the exact problem, and does not touch it with --fix", () => {
    expect(run("init").status).toBe(0)
    fs.writeFileSync(path.join(vault(), "myco.yaml"), "store:\n  busy_timeout: 5\n")
    const { status, checks: list } = checks("--fix")
    expect(status).toBe(78)
    const config = byName(list, "config")
    expect(config.status).toBe("fail")
    expect(config.detail).toContain("store.busy_timeout: unknown key; did you mean store.busy_timeout_ms?")
    expect(fs.readFileSync(path.join(vault(), "myco.yaml"), "utf8")).toBe("store:\n  busy_timeout: 5\n")
  })

  it("finds missing directories, a missing database and stale run files, and --fix repairs them", () => {
    expect(run("init").status).toBe(0)
    fs.rmSync(path.join(vault(), "spool"), { recursive: true })
    fs.rmSync(path.join(vault(), "myco.db"))
    fs.chmodSync(path.join(vault(), "run"), 0o755)
    // A supervisor that died: its pid is gone (pid 2^22 - 1 is above any default pid_max).
    fs.writeFileSync(
      path.join(vault(), "run", "daemon.json"),
      JSON.stringify({ pid: 4194303, version: "0.0.1", socket: "x", startedAt: "2026-01-01T00:00:00Z" })
    )
    fs.writeFileSync(path.join(vault(), "run", "myco.sock"), "")

    const before = checks()
    expect(before.status).toBe(78)
    expect(byName(before.checks, "directories")).toMatchObject({ status: "fail", fix: "myco doctor --fix" })
    expect(byName(before.checks, "directories").detail).toContain(".myco/spool")
    expect(byName(before.checks, "database").status).toBe("fail")
    expect(byName(before.checks, "run files").status).toBe("warn")
    expect(byName(before.checks, "run files").detail).toContain("daemon.json")

    const text = run("doctor", "--fix")
    expect(text.status).toBe(0)
    expect(text.stdout).toContain("fixed directories: created")
    expect(text.stdout).toContain("fixed database: created")
    expect(text.stdout).toContain("fixed run files: removed")

    const after = checks()
    expect(after.status).toBe(0)
    expect(fs.existsSync(path.join(vault(), "spool"))).toBe(true)
    expect(fs.existsSync(path.join(vault(), "run", "daemon.json"))).toBe(false)
    expect(fs.statSync(path.join(vault(), "run")).mode & 0o777).toBe(0o700)
  })

  it("reports a damaged database as a failure with a recovery hint", () => {
    expect(run("init").status).toBe(0)
    fs.writeFileSync(path.join(vault(), "myco.db"), Buffer.alloc(16384, 0x42))
    for (const suffix of ["-wal", "-shm"]) fs.rmSync(path.join(vault(), `myco.db${suffix}`), { force: true })
    const { status, checks: list } = checks()
    expect(status).toBe(70)
    const database = byName(list, "database")
    expect(database.status).toBe("fail")
    expect(database.detail).toMatch(/not a database|SQLITE_NOTADB/)
    expect(database.hint).toContain("backups")
  })

  it("reports a vault it cannot write, with the command that fixes it", () => {
    expect(run("init").status).toBe(0)
    // As root, permissions do not stop writes: run myco as an unprivileged user instead.
    const asRoot = process.getuid?.() === 0
    fs.chmodSync(vault(), 0o555)
    if (asRoot) fs.chmodSync(project.dir, 0o755)
    const home = fs.mkdtempSync(path.join("/tmp", "myco-nobody-"))
    fs.chmodSync(home, 0o777)
    const result = myco(["doctor", "--json"], {
      cwd: project.dir,
      env: { ...project.env, MYCO_HOME: home },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {})
    })
    fs.chmodSync(vault(), 0o755)
    fs.rmSync(home, { recursive: true, force: true })
    const list = Schema.decodeUnknownSync(Schema.Array(CheckResult))(JSON.parse(result.stdout))
    expect(result.status).not.toBe(0)
    const writable = byName(list, "writable")
    expect(writable.status).toBe("fail")
    expect(writable.fix).toBe(`chmod -R u+w ${vault()}`)
  })
})
