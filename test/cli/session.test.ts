import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Session, TransitionRecord } from "../../src/domain/Session.js"
import { myco, mycoJson, tempProject, type TempProject } from "../support/cli.js"

let project: TempProject
beforeEach(() => {
  project = tempProject()
})
afterEach(() => project.cleanup())

const run = (...args: Array<string>) => myco(args, { cwd: project.dir, env: project.env })
const json = (...args: Array<string>) => mycoJson(args, { cwd: project.dir, env: project.env })

// The CLI's JSON must decode with the domain schemas: that is its contract.
const asSession = Schema.decodeUnknownSync(Session)
const asSessions = Schema.decodeUnknownSync(Schema.Array(Session))
const asHistory = Schema.decodeUnknownSync(Schema.Array(TransitionRecord))

describe("myco init", () => {
  it("creates the vault, is idempotent, and never clobbers myco.yaml", () => {
    const first = run("init")
    expect(first.status).toBe(0)
    const vault = path.join(project.dir, ".myco")
    for (const entry of ["myco.yaml", "myco.db", "run", "spool", "logs", ".gitignore", "project.json"]) {
      expect(fs.existsSync(path.join(vault, entry)), entry).toBe(true)
    }
    expect(fs.statSync(path.join(vault, "run")).mode & 0o777).toBe(0o700)
    const gitignore = fs.readFileSync(path.join(vault, ".gitignore"), "utf8")
    for (const line of ["myco.db", "run/", "spool/", "logs/"]) expect(gitignore).toContain(line)

    fs.writeFileSync(path.join(vault, "myco.yaml"), "capture:\n  max_field_bytes: 2048\n")
    const projectFile = fs.readFileSync(path.join(vault, "project.json"), "utf8")
    const second = run("init")
    expect(second.status).toBe(0)
    expect(second.stdout).toContain("already initialised")
    expect(fs.readFileSync(path.join(vault, "myco.yaml"), "utf8")).toBe("capture:\n  max_field_bytes: 2048\n")
    expect(fs.readFileSync(path.join(vault, "project.json"), "utf8")).toBe(projectFile)
  })

  it("reports an existing invalid config without overwriting it", () => {
    fs.mkdirSync(path.join(project.dir, ".myco"))
    fs.writeFileSync(path.join(project.dir, ".myco", "myco.yaml"), "captur: {}\n")
    const result = run("init")
    expect(result.status).toBe(78)
    expect(result.stderr).toContain("captur: unknown key; did you mean capture?")
    expect(fs.readFileSync(path.join(project.dir, ".myco", "myco.yaml"), "utf8")).toBe("captur: {}\n")
    expect(fs.existsSync(path.join(project.dir, ".myco", "myco.db"))).toBe(true)
  })

  it("initialises another directory with --vault", () => {
    const other = path.join(project.dir, "elsewhere")
    fs.mkdirSync(other)
    expect(run("init", "--vault", other).status).toBe(0)
    expect(fs.existsSync(path.join(other, ".myco", "myco.db"))).toBe(true)
  })
})

describe("myco session", () => {
  it("walks a session through its whole lifecycle and records each step", () => {
    expect(run("init").status).toBe(0)
    const created = asSession(json("session", "create", "--agent", "claude-code", "--title", "first"))
    expect(created.status).toBe("active")
    expect(created.version).toBe(1)
    expect(created.metadata.cwd).toBe(project.dir)
    expect(created.metadata.title).toBe("first")
    const steps: Array<[string, string]> = [
      ["complete", "completed"],
      ["reopen", "active"],
      ["complete", "completed"],
      ["process", "processed"],
      ["archive", "archived"],
      ["restore", "processed"],
      ["archive", "archived"]
    ]
    for (const [command, status] of steps) {
      const moved = asSession(json("session", command, created.id, "--reason", `test ${command}`))
      expect(moved.status).toBe(status)
    }
    const shown = asSession(json("session", "show", created.id))
    expect(shown.status).toBe("archived")
    expect(shown.version).toBe(steps.length + 1)
    const history = asHistory(json("session", "history", created.id))
    expect(history.map((h) => h.command)).toEqual(["create", ...steps.map(([c]) => c)])
    expect(history.map((h) => h.version)).toEqual(history.map((_, i) => i + 1))
    expect(history[1]).toMatchObject({ from: "active", to: "completed", reason: "test complete", actor: "cli" })

    const text = run("session", "history", created.id)
    expect(text.stdout).toMatch(/VER\s+AT\s+COMMAND/)
    expect(text.stdout).toContain("test process")
  })

  it("keeps lineage: a child names its parent, and an unknown parent is refused", () => {
    expect(run("init").status).toBe(0)
    const parent = asSession(json("session", "create", "--id", "parent-1"))
    const child = asSession(json("session", "create", "--id", "child-1", "--parent", parent.id))
    expect(child.parentId).toBe("parent-1")
    const orphan = run("session", "create", "--id", "child-2", "--parent", "nope")
    expect(orphan.status).toBe(66)
    expect(orphan.stderr).toContain("no parent session nope")
  })

  it("lists newest first, filters by status and agent, and pages", () => {
    expect(run("init").status).toBe(0)
    for (const [id, agent] of [["l1", "codex"], ["l2", "cursor"], ["l3", "codex"]] as const) {
      expect(run("session", "create", "--id", id, "--agent", agent).status).toBe(0)
    }
    expect(run("session", "complete", "l1").status).toBe(0)
    const ids = (...args: Array<string>) => asSessions(json("session", "list", ...args)).map((s) => s.id)
    expect(ids()).toEqual(["l3", "l2", "l1"])
    expect(ids("--agent", "codex")).toEqual(["l3", "l1"])
    expect(ids("--status", "completed")).toEqual(["l1"])
    expect(ids("--limit", "2")).toEqual(["l3", "l2"])
    const paged = run("session", "list", "--limit", "2")
    expect(paged.stderr).toContain("more with --limit N or --all")
    expect(ids("--limit", "1", "--all")).toHaveLength(3)
    expect(run("session", "list", "--status", "bogus").status).toBe(64)
  })

  it("gives each failure its own message and exit code, never a stack trace", () => {
    const noVault = run("session", "list")
    expect(noVault.status).toBe(78)
    expect(noVault.stderr).toContain("no vault here")
    expect(noVault.stderr).toContain("myco init")

    expect(run("init").status).toBe(0)
    const unknown = run("session", "show", "ghost")
    expect(unknown.status).toBe(66)
    expect(unknown.stderr).toContain("no session ghost")

    const badId = run("session", "show", "../etc/passwd")
    expect(badId.status).toBe(64)
    expect(badId.stderr).toContain("no slashes")

    expect(run("session", "create", "--id", "s1").status).toBe(0)
    const exists = run("session", "create", "--id", "s1")
    expect(exists.status).toBe(73)
    expect(exists.stderr).toContain("exists already")

    const invalid = run("session", "process", "s1")
    expect(invalid.status).toBe(65)
    expect(invalid.stderr).toContain("cannot process session s1: it is active (allowed from active: complete)")

    const stale = run("session", "complete", "s1", "--if-version", "7")
    expect(stale.status).toBe(75)
    expect(stale.stderr).toContain("changed concurrently")

    fs.writeFileSync(path.join(project.dir, ".myco", "myco.yaml"), "agents:\n  allowed: [codex]\n")
    const refused = run("session", "create", "--agent", "cursor")
    expect(refused.status).toBe(77)
    expect(refused.stderr).toContain("agents.allowed")

    fs.writeFileSync(path.join(project.dir, ".myco", "myco.yaml"), "agents: [\n")
    const badConfig = run("session", "list")
    expect(badConfig.status).toBe(78)
    expect(badConfig.stderr).toContain("myco.yaml is invalid")

    for (const r of [noVault, unknown, badId, exists, invalid, stale, refused, badConfig]) {
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it("derives a time-ordered id when the agent gives none, and finds the vault from a subdirectory or MYCO_VAULT_DIR", () => {
    expect(run("init").status).toBe(0)
    const sub = path.join(project.dir, "a", "b")
    fs.mkdirSync(sub, { recursive: true })
    const fromSub = asSession(mycoJson(["session", "create"], { cwd: sub, env: project.env }))
    expect(fromSub.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8/)
    const fromRoot = asSessions(mycoJson(["session", "list"], { cwd: "/", env: { ...project.env, MYCO_VAULT_DIR: project.dir } }))
    expect(fromRoot.map((s) => s.id)).toEqual([fromSub.id])
  })

  it("answers --help at every level", () => {
    for (const args of [["--help"], ["session", "--help"], ["session", "list", "--help"], ["doctor", "--help"]]) {
      const result = run(...args)
      expect(result.status, args.join(" ")).toBe(0)
      expect(result.stdout.length).toBeGreaterThan(50)
    }
  })
})
