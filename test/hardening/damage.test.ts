/**
 * A damaged database under a running supervisor, on the real binaries, one test per shape of
 * damage: the file truncated to 0 bytes, every other page overwritten, the file deleted, the file
 * replaced by another database, its header overwritten. For each: no hook event sent after the
 * damage is acknowledged (each one is spooled); the supervisor stops with a clear report (exit 70)
 * and records the damage; `myco run` then refuses, naming `myco doctor --fix`, and hooks keep
 * spooling; `myco doctor` reports the damage; `myco doctor --fix` rebuilds the database from what
 * is readable (every acknowledged event comes back), keeping the damaged file aside; and once
 * `myco run` serves again, every event sent after the damage is stored, exactly once.
 *
 * And the same shapes done while no supervisor runs (the header, pages): `myco run` and the direct
 * commands refuse, naming the fix; `myco doctor --fix` rebuilds what the file still holds (a new
 * header, rows read past damaged pages and off the pages that survive); the spool drains.
 *
 * Sized for a busy two-core machine: a few dozen events, the supervisor's checks every second
 * (myco.yaml), generous time limits.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { CheckResult } from "../../src/diagnostics/Check.js"
import { myco, tempProject, type TempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"
import { claudePayload, eventually, hookEnv, runHook, spooled, storedEvents } from "../support/hook.js"

const PAGE = 4096
const BEFORE = 6
const AFTER = 5

let project: TempProject | undefined
let daemon: RunningDaemon | undefined
afterEach(async () => {
  if (daemon !== undefined && daemon.child.exitCode === null && daemon.child.signalCode === null) {
    daemon.child.kill("SIGKILL")
    await daemon.exited
  }
  daemon = undefined
  project?.cleanup()
  project = undefined
})

const vault = (p: TempProject) => path.join(p.dir, ".myco")
const dbFile = (p: TempProject) => path.join(vault(p), "myco.db")

const overwrite = (file: string, offset: number, bytes: Buffer) => {
  const fd = fs.openSync(file, "r+")
  try {
    fs.writeSync(fd, bytes, 0, bytes.length, offset)
  } finally {
    fs.closeSync(fd)
  }
}

/** The shapes of damage, each done from outside the supervisor (this test process). */
const SHAPES: ReadonlyArray<{ readonly name: string; readonly damage: (p: TempProject) => void }> = [
  { name: "truncated to 0 bytes", damage: (p) => fs.truncateSync(dbFile(p), 0) },
  {
    name: "every other page overwritten",
    damage: (p) => {
      const pages = Math.floor(fs.statSync(dbFile(p)).size / PAGE)
      for (let page = 1; page < pages; page += 2) overwrite(dbFile(p), page * PAGE, Buffer.alloc(PAGE, 0x5a))
    }
  },
  { name: "deleted", damage: (p) => fs.rmSync(dbFile(p)) },
  {
    name: "replaced by another vault's database",
    damage: (p) => {
      // A sound database of another vault, with a session of its own: it must not be taken for this one.
      const other = tempProject("myco-damage-other-")
      try {
        expect(myco(["init"], { cwd: other.dir, env: other.env }).status).toBe(0)
        expect(myco(["session", "create", "--id", "foreign-session"], { cwd: other.dir, env: other.env }).status).toBe(0)
        fs.copyFileSync(dbFile(other), `${dbFile(p)}.incoming`)
        fs.renameSync(`${dbFile(p)}.incoming`, dbFile(p))
      } finally {
        other.cleanup()
      }
    }
  },
  { name: "header overwritten", damage: (p) => overwrite(dbFile(p), 0, Buffer.alloc(100, 0x41)) }
]

const checksOf = (p: TempProject, ...args: Array<string>) => {
  const result = myco(["doctor", "--json", ...args], { cwd: p.dir, env: p.env })
  return { status: result.status, checks: Schema.decodeUnknownSync(Schema.Array(CheckResult))(JSON.parse(result.stdout)) }
}

const StoredPrompt = Schema.Struct({ data: Schema.Struct({ prompt: Schema.String }) })

/** The prompts of the stored events, in their sessions' order. */
const prompts = (p: TempProject) => storedEvents(p).map((e) => Schema.decodeUnknownSync(StoredPrompt)(e.payload).data.prompt)

describe("a damaged database under a running supervisor", () => {
  it.each(SHAPES)(
    "$name: nothing more is acknowledged, the supervisor stops with a report, restarts refuse, doctor --fix rebuilds, the spool drains once",
    async ({ name, damage }) => {
      const p = tempProject("myco-damage-")
      project = p
      const opts = { cwd: p.dir, env: p.env }
      const hook = { cwd: p.dir, env: { ...hookEnv(p), MYCO_HOOK_TIMEOUT_MS: "5000" } }
      const session = "damage-session"
      const send = (n: number) =>
        runHook(["UserPromptSubmit", "--agent", "claude-code"], claudePayload("UserPromptSubmit", session, p.dir, { prompt: `prompt ${n}` }), hook)
      expect(myco(["init"], opts).status).toBe(0)
      fs.writeFileSync(path.join(vault(p), "myco.yaml"), "store:\n  checkpoint_interval: 1s\n  quick_check_interval: 1s\n")

      // Before the damage: every event acknowledged (or, on a slow start, spooled and drained).
      daemon = await startDaemon(p)
      for (let n = 1; n <= BEFORE; n++) expect((await send(n)).status).toBe(0)
      await eventually(() => spooled(p).length === 0 && storedEvents(p).length === BEFORE, 30_000, "the first events to be stored")
      // Let a timed checkpoint write them into the file, so that the damage hits real pages.
      await new Promise((resolve) => setTimeout(resolve, 1500))

      damage(p)

      // After it: not one is acknowledged; each waits in the spool.
      for (let n = BEFORE + 1; n <= BEFORE + AFTER; n++) {
        expect((await send(n)).status).toBe(0)
        expect(spooled(p), `event ${n} must be spooled, not acknowledged (${name})`).toHaveLength(n - BEFORE)
      }
      const exit = await Promise.race([daemon.exited, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 30_000))])
      expect(exit, daemon.stderr()).toEqual({ code: 70, signal: null })
      const report = daemon.stderr()
      expect(report).toContain("myco: the vault database is damaged:")
      expect(report).toContain("nothing was acknowledged once it was found")
      expect(report).toMatch(/myco: (emergency backup|the emergency backup failed)/)
      expect(report).toContain("run `myco doctor --fix`")
      expect(fs.statSync(path.join(vault(p), "damaged.json")).mode & 0o777).toBe(0o600)
      expect(fs.readFileSync(path.join(vault(p), "logs", "myco.log"), "utf8")).toContain("the vault database is damaged")

      // Restarts refuse, clearly; hooks keep spooling.
      const restart = myco(["run"], opts)
      expect(restart.status).toBe(70)
      expect(restart.stderr).toContain("found damaged by the supervisor")
      expect(restart.stderr).toContain("fix:  myco doctor --fix")
      expect((await send(BEFORE + AFTER + 1)).status).toBe(0)
      expect(spooled(p)).toHaveLength(AFTER + 1)

      // Doctor reports it, with the fix.
      const before = checksOf(p)
      expect(before.status).toBe(70)
      const database = before.checks.find((c) => c.check === "database")
      expect(database).toMatchObject({ status: "fail", fix: "myco doctor --fix" })
      expect(database?.detail).toContain("found damaged")

      // The fix rebuilds it: every acknowledged event is back; the damaged file is kept aside.
      const fixed = myco(["doctor", "--fix"], opts)
      expect(fixed.stdout).toContain("fixed database: rebuilt .myco/myco.db from every readable row")
      const events = /\n\s+events\s+(\d+)\s+(\S+)/.exec(fixed.stdout)
      expect(events, fixed.stdout).not.toBeNull()
      expect(Number(events?.[1])).toBeGreaterThanOrEqual(BEFORE)
      expect(fixed.status, fixed.stdout).toBe(0)
      const backups = fs.readdirSync(path.join(vault(p), "backups"))
      const aside = backups.filter((f) => /^damaged-.*\.db$/.test(f))
      if (name !== "deleted") {
        expect(aside).toHaveLength(1)
        expect(fs.statSync(path.join(vault(p), "backups", aside[0] ?? "")).mode & 0o777).toBe(0o600)
      }
      expect(backups.filter((f) => f.endsWith(".recovery.txt"))).toHaveLength(1)
      expect(fs.existsSync(path.join(vault(p), "damaged.json"))).toBe(false)
      const after = checksOf(p)
      expect(after.checks.filter((c) => c.status === "fail")).toEqual([])
      const prompt = (n: number) => `prompt ${n}`
      expect(prompts(p).slice(0, BEFORE)).toEqual(Array.from({ length: BEFORE }, (_, i) => prompt(i + 1)))

      // Served again: the spool drains into the rebuilt database, every event once.
      daemon = await startDaemon(p)
      await eventually(() => spooled(p).length === 0, 30_000, "the spool to drain")
      const stored = prompts(p)
      expect([...stored].sort()).toEqual(Array.from({ length: BEFORE + AFTER + 1 }, (_, i) => prompt(i + 1)).sort())
      expect(new Set(stored).size).toBe(stored.length)
      if (name === "replaced by another vault's database") {
        const db = new Database(dbFile(p), { readonly: true })
        try {
          expect(db.prepare("SELECT id FROM sessions").all()).toEqual([{ id: session }])
        } finally {
          db.close()
        }
      }
      daemon.child.kill("SIGTERM")
      expect((await daemon.exited).code).toBe(0)
    },
    180_000
  )
})

describe("a database damaged while no supervisor runs", () => {
  it.each([
    { name: "header overwritten", damage: (p: TempProject) => overwrite(dbFile(p), 0, Buffer.alloc(100, 0x41)), all: true },
    {
      name: "every other page overwritten",
      damage: (p: TempProject) => {
        const pages = Math.floor(fs.statSync(dbFile(p)).size / PAGE)
        for (let page = 1; page < pages; page += 2) overwrite(dbFile(p), page * PAGE, Buffer.alloc(PAGE, 0x5a))
      },
      all: false
    }
  ])(
    "$name: run and the direct commands refuse with the fix, doctor --fix rebuilds what is readable, the spool drains",
    async ({ damage, all }) => {
      const p = tempProject("myco-damage-stopped-")
      project = p
      const opts = { cwd: p.dir, env: p.env }
      const hook = { cwd: p.dir, env: { ...hookEnv(p), MYCO_HOOK_TIMEOUT_MS: "5000" } }
      const session = "stopped-session"
      const send = (n: number) =>
        runHook(
          ["UserPromptSubmit", "--agent", "claude-code"],
          claudePayload("UserPromptSubmit", session, p.dir, { prompt: `prompt ${n} ${"p".repeat(3000)}` }),
          hook
        )
      const count = 40
      expect(myco(["init"], opts).status).toBe(0)
      daemon = await startDaemon(p)
      for (let n = 1; n <= count; n += 8) await Promise.all(Array.from({ length: Math.min(8, count - n + 1) }, (_, k) => send(n + k)))
      await eventually(() => spooled(p).length === 0 && storedEvents(p).length === count, 60_000, "the events to be stored")
      daemon.child.kill("SIGTERM")
      expect((await daemon.exited).code).toBe(0)

      damage(p)

      const run = myco(["run"], opts)
      expect(run.status).toBe(70)
      expect(run.stderr).toContain("fix:  myco doctor --fix")
      const list = myco(["session", "list"], opts)
      expect(list.status).toBe(70)
      expect(list.stderr).toContain("fix:  myco doctor --fix")
      for (let n = count + 1; n <= count + 3; n++) expect((await send(n)).status).toBe(0)
      expect(spooled(p)).toHaveLength(3)

      const before = checksOf(p)
      expect(before.status).toBe(70)
      expect(before.checks.find((c) => c.status === "fail" && (c.check === "database" || c.check === "integrity"))).toMatchObject({ fix: "myco doctor --fix" })

      const fixed = myco(["doctor", "--fix"], opts)
      expect(fixed.stdout).toContain("fixed database: rebuilt .myco/myco.db from every readable row")
      const events = Number(/\n\s+events\s+(\d+)/.exec(fixed.stdout)?.[1])
      if (all) {
        expect(fixed.stdout).toContain("header rebuilt, then read")
        expect(events).toBe(count)
        expect(fixed.status, fixed.stdout).toBe(0)
      } else {
        // The pages that survive still hold rows, found past the damaged ones or page by page.
        expect(fixed.stdout).toMatch(/page by page: \d+ pages scanned/)
        expect(events).toBeGreaterThan(0)
        expect(events).toBeLessThan(count)
        expect(fixed.stdout).toMatch(new RegExp(`\\n\\s+events\\s+${events}\\s+${count - events}`))
      }
      const after = checksOf(p)
      for (const name of ["database", "integrity", "migrations"]) expect(after.checks.find((c) => c.check === name)?.status, name).toBe("ok")
      const kept = prompts(p).map((text) => text.split(" ").slice(0, 2).join(" "))

      daemon = await startDaemon(p)
      await eventually(() => spooled(p).length === 0, 30_000, "the spool to drain")
      const stored = prompts(p).map((text) => text.split(" ").slice(0, 2).join(" "))
      expect(stored.filter((t) => !kept.includes(t)).sort()).toEqual([`prompt ${count + 1}`, `prompt ${count + 2}`, `prompt ${count + 3}`])
      expect(new Set(stored).size).toBe(stored.length)
      daemon.child.kill("SIGTERM")
      expect((await daemon.exited).code).toBe(0)
    },
    240_000
  )
})
