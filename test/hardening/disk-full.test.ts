/**
 * Full disks, for real: the vault and the user's state directory each on a small tmpfs of its own,
 * filled to the last byte, and the built binaries run as an agent and a user run them.
 *
 * - No supervisor, every disk full: each hook exits 0; its event is spooled in the vault (into the
 *   room the reserve gave back), else in the fallback spool, else counted as lost, and it is lost
 *   only once no spool has room for it. Once space is freed, the next supervisor stores every
 *   spooled event exactly once and records the lost ones, which `myco status` and `myco doctor`
 *   report (and `myco doctor --fix` acknowledges): sent = stored + counted lost.
 * - A running supervisor whose disk fills (SQLITE_FULL): it pauses its writes instead of exiting,
 *   hooks spool meanwhile, `myco status` says so, and once a file is deleted it resumes by itself
 *   and stores every event exactly once.
 * - A spool that is a link: hooks use the fallback spool, whose events are stored once the spool
 *   is moved aside.
 *
 * Mounting needs root: without it, the tmpfs tests are skipped (their title says so).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import Database from "better-sqlite3"
import { Schema } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { fallbackPathsOf } from "../../src/lean/FallbackSpool.js"
import { LOST_DIR, parseLostMarker } from "../../src/lean/Losses.js"
import { RESERVE_FILE, SPOOL_FILE } from "../../src/lean/Spool.js"
import { myco, type TempProject, tempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"
import { claudePayload, eventually, runHook } from "../support/hook.js"

/** Whether this process may mount a tmpfs (root, and a kernel that lets it). */
const canMount = ((): boolean => {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), "myco-mount-probe-"))
  try {
    if (spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]).status !== 0) return false
    spawnSync("umount", [probe])
    return true
  } finally {
    fs.rmSync(probe, { recursive: true, force: true })
  }
})()
const skipped = canMount ? "" : " (skipped: mounting a tmpfs needs root on Linux)"

const mounts: Array<string> = []
const dirs: Array<string> = []
afterAll(() => {
  for (const dir of mounts.splice(0).reverse()) spawnSync("umount", ["-l", dir])
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

/** A fresh tmpfs of `size` (e.g. "4m"), mounted on a new directory, private to us. */
const tmpfs = (size: string, inodes?: number): string => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-tmpfs-")))
  dirs.push(dir)
  const options = `size=${size},mode=0700${inodes === undefined ? "" : `,nr_inodes=${inodes}`}`
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir], { encoding: "utf8" })
  if (mounted.status !== 0) throw new Error(`mount failed: ${mounted.stderr}`)
  mounts.push(dir)
  return dir
}

/** Writes zeros into `file` until the file system has no room left (or `leave` bytes are left). */
const fill = (file: string, leave = 0): void => {
  const fd = fs.openSync(file, "w")
  const block = Buffer.alloc(4096)
  try {
    for (;;) {
      if (leave > 0) {
        const s = fs.statfsSync(path.dirname(file))
        if (s.bavail * s.bsize <= leave) break
      }
      fs.writeSync(fd, block)
    }
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "ENOSPC")) throw error
  } finally {
    fs.closeSync(fd)
  }
}

/** Creates empty files in `dir` until the file system has no inode left. */
const exhaustInodes = (dir: string): void => {
  fs.mkdirSync(dir)
  try {
    for (let i = 0; ; i++) fs.closeSync(fs.openSync(path.join(dir, String(i)), "w"))
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "ENOSPC")) throw error
  }
}

const freeOf = (dir: string): number => {
  const s = fs.statfsSync(dir)
  return s.bavail * s.bsize
}

const spoolFiles = (dir: string | undefined): ReadonlyArray<string> => {
  if (dir === undefined) return []
  try {
    return fs.readdirSync(dir).filter((name) => SPOOL_FILE.test(name))
  } catch {
    return []
  }
}

const markers = (dir: string): ReadonlyArray<string> => {
  try {
    return fs.readdirSync(dir).filter((name) => parseLostMarker(name) !== undefined)
  } catch {
    return []
  }
}

/** The project on `mount`: its own MYCO_HOME off the tmpfs, and `state` as its state directory. */
const projectOn = (mount: string, state: string): TempProject => {
  const home = tempProject("myco-diskfull-home-")
  dirs.push(home.dir)
  return { dir: mount, env: { ...home.env, XDG_STATE_HOME: state, MYCO_HOOK_AUTOSTART: "0" }, cleanup: () => undefined }
}

/** A vault in `project`, with a small reserve so that the tests stay small. */
const initVault = (project: TempProject, reserveBytes: number): void => {
  const init = myco(["init"], { cwd: project.dir, env: project.env })
  if (init.status !== 0) throw new Error(`myco init failed: ${init.stderr}`)
  const config = path.join(project.dir, ".myco", "myco.yaml")
  const text = fs.readFileSync(config, "utf8").replace(/spool_reserve_bytes: \d+/, `spool_reserve_bytes: ${reserveBytes}`)
  fs.writeFileSync(config, text)
}

const StoredIds = Schema.Array(Schema.Struct({ idempotency_id: Schema.String }))
const LostIds = Schema.Array(Schema.Struct({ id: Schema.String, reason: Schema.String, count: Schema.Number }))

/** The idempotency ids stored in the vault's database, and those recorded as lost. */
const database = (project: TempProject) => {
  const db = new Database(path.join(project.dir, ".myco", "myco.db"), { readonly: true })
  try {
    return {
      stored: Schema.decodeUnknownSync(StoredIds)(db.prepare("SELECT idempotency_id FROM events").all()).map((r) => r.idempotency_id),
      lost: Schema.decodeUnknownSync(LostIds)(db.prepare("SELECT id, reason, count FROM lost_events").all())
    }
  } finally {
    db.close()
  }
}

const StatusJson = Schema.Struct({
  running: Schema.Boolean,
  intake: Schema.Struct({ state: Schema.Literal("accepting", "paused"), refused: Schema.Number }),
  spool: Schema.Struct({ waiting: Schema.Number, fallbackWaiting: Schema.Number, reserveBytes: Schema.Number }),
  losses: Schema.Struct({ lost: Schema.Number, lostForSpace: Schema.Number })
})
const status = (project: TempProject) => {
  const result = myco(["status", "--json"], { cwd: project.dir, env: project.env })
  if (result.status !== 0) throw new Error(`myco status exited ${result.status}: ${result.stderr}`)
  return Schema.decodeUnknownSync(StatusJson)(JSON.parse(result.stdout))
}

const DoctorJson = Schema.Array(Schema.Struct({ check: Schema.String, status: Schema.String, detail: Schema.String }))
const doctor = (project: TempProject, check: string) => {
  const result = myco(["doctor", "--json"], { cwd: project.dir, env: project.env })
  return Schema.decodeUnknownSync(DoctorJson)(JSON.parse(result.stdout)).filter((c) => c.check === check)
}

/** The idempotency id a hook used, from the one file or marker it left. */
const idOf = (name: string): string => parseLostMarker(name)?.idempotencyId ?? name.replace(/^\d{15}-/, "").replace(/\.json$/, "")

const stopDaemon = async (daemon: RunningDaemon) => {
  daemon.child.kill("SIGTERM")
  return daemon.exited
}

describe.skipIf(!canMount)(`full disks, on tmpfs mounts${skipped}`, () => {
  it("with no supervisor and every disk full, each event is spooled or counted, lost only once no spool has room, and the next supervisor stores them once and reports the rest", async () => {
    const vaultMount = tmpfs("4m")
    const stateMount = tmpfs("1m")
    const project = projectOn(vaultMount, stateMount)
    const vault = path.join(project.dir, ".myco")
    initVault(project, 256 * 1024)
    // A supervisor ran once: it made the reserve and the fallback folders, ahead of need.
    const first = await startDaemon(project, project.env)
    await eventually(() => fs.existsSync(path.join(vault, "spool", RESERVE_FILE)) && fs.statSync(path.join(vault, "spool", RESERVE_FILE)).size === 256 * 1024, 20_000, "the reserve")
    expect((await stopDaemon(first)).code).toBe(0)
    const fallback = fallbackPathsOf(vault, project.env)
    if (fallback === undefined) throw new Error("no fallback folder")
    expect(fs.statSync(fallback.spool).isDirectory()).toBe(true)

    // Both disks full: the vault's to the last byte, the state directory's but for ~100 KiB.
    fill(path.join(vaultMount, "filler"))
    fill(path.join(stateMount, "filler"), 100 * 1024)
    expect(freeOf(vaultMount)).toBe(0)

    const sent: Array<string> = []
    const outcomes: Array<"reserve" | "fallback" | "lost"> = []
    const prompt = "p".repeat(16 * 1024)
    for (let i = 0; i < 24; i++) {
      const before = { vault: new Set(spoolFiles(path.join(vault, "spool"))), fallback: new Set(spoolFiles(fallback.spool)), lost: new Set(markers(path.join(vault, "spool", LOST_DIR))) }
      const result = await runHook(["UserPromptSubmit", "--agent", "claude-code"], claudePayload("UserPromptSubmit", "full-session", project.dir, { prompt: `${i} ${prompt}` }), {
        cwd: project.dir,
        env: project.env
      })
      expect(result.status).toBe(0)
      expect(result.stdout).toBe("")
      const added = (now: ReadonlyArray<string>, was: ReadonlySet<string>) => now.filter((n) => !was.has(n))
      const inVault = added(spoolFiles(path.join(vault, "spool")), before.vault)
      const inFallback = added(spoolFiles(fallback.spool), before.fallback)
      const lost = [...added(markers(path.join(vault, "spool", LOST_DIR)), before.lost), ...markers(fallback.lost)]
      // Exactly one place kept it, and one line on stderr at most says where.
      expect(inVault.length + inFallback.length + lost.filter((n) => !sent.includes(idOf(n))).length).toBe(1)
      expect(result.stderr.trim().split("\n").filter((l) => l !== "").length).toBeLessThanOrEqual(1)
      const name = inVault[0] ?? inFallback[0] ?? lost[0] ?? ""
      sent.push(idOf(name))
      if (inVault.length === 1) outcomes.push("reserve")
      else if (inFallback.length === 1) {
        outcomes.push("fallback")
        expect(result.stderr).toContain(`event spooled to ${fallback.spool}`)
      } else {
        outcomes.push("lost")
        expect(result.stderr).toContain("event lost (disk full")
        expect(result.stderr).toContain("counted in")
      }
    }
    const counted = { reserve: outcomes.filter((o) => o === "reserve").length, fallback: outcomes.filter((o) => o === "fallback").length, lost: outcomes.filter((o) => o === "lost").length }
    // Each place was used in turn, and once an event was lost no later one found room anywhere.
    expect(counted.reserve).toBeGreaterThan(0)
    expect(counted.fallback).toBeGreaterThan(0)
    expect(counted.lost).toBeGreaterThan(0)
    expect(outcomes).toEqual([...Array(counted.reserve).fill("reserve"), ...Array(counted.fallback).fill("fallback"), ...Array(counted.lost).fill("lost")])
    // Lost only when nothing had room: the reserve was used up and neither disk had the pages an
    // event takes.
    const eventPages = Math.ceil(fs.statSync(path.join(fallback.spool, spoolFiles(fallback.spool)[0] ?? "")).size / 4096) * 4096
    expect(fs.statSync(path.join(vault, "spool", RESERVE_FILE)).size).toBe(0)
    expect(freeOf(vaultMount)).toBeLessThan(eventPages)
    expect(freeOf(stateMount)).toBeLessThan(eventPages)

    // Space comes back on the vault's disk: the next supervisor stores every spooled event once,
    // and records the lost ones.
    fs.rmSync(path.join(vaultMount, "filler"))
    const daemon = await startDaemon(project, project.env)
    try {
      await eventually(() => spoolFiles(path.join(vault, "spool")).length === 0 && spoolFiles(fallback.spool).length === 0, 30_000, "both spools to be drained")
      await eventually(() => database(project).stored.length === counted.reserve + counted.fallback, 30_000, "the spooled events to be stored")
      const { stored, lost } = database(project)
      expect(new Set(stored).size).toBe(stored.length)
      expect(lost.map((l) => l.reason)).toEqual(Array(counted.lost).fill("disk-full"))
      // Sent = stored + counted lost, each event in exactly one of them.
      expect([...stored, ...lost.map((l) => l.id)].sort()).toEqual([...sent].sort())
      expect(markers(path.join(vault, "spool", LOST_DIR))).toEqual([])
      await eventually(() => daemon.stderr().includes(`${counted.lost} hook events lost (disk full) since`), 10_000, "the supervisor to report the loss")

      const shown = status(project)
      expect(shown.losses).toEqual({ lost: counted.lost, lostForSpace: counted.lost })
      const text = myco(["status"], { cwd: project.dir, env: project.env }).stdout
      expect(text).toContain(`${counted.lost} events lost (disk full) since`)
      const [losses] = doctor(project, "losses")
      expect(losses).toMatchObject({ status: "warn", detail: expect.stringContaining(`${counted.lost} events lost (disk full) since`) })
      // Acknowledged, the loss is history: no longer a warning, nor a line of status.
      expect(myco(["doctor", "--fix"], { cwd: project.dir, env: project.env }).stdout).toContain(`acknowledged ${counted.lost} lost events`)
      expect(doctor(project, "losses")).toEqual([expect.objectContaining({ status: "ok", detail: expect.stringContaining(`${counted.lost} were lost before, acknowledged`) })])
      expect(myco(["status"], { cwd: project.dir, env: project.env }).stdout).not.toContain("events lost")
      process.stdout.write(
        `full disks, no supervisor: ${sent.length} events sent; ${counted.reserve} spooled in the vault (its reserve), ${counted.fallback} in the fallback spool, ${counted.lost} counted lost; ${stored.length} stored after space returned\n`
      )
    } finally {
      await stopDaemon(daemon)
    }
  }, 180_000)

  it("a supervisor whose disk fills pauses its writes instead of exiting, and resumes by itself once space is freed, every event stored once", async () => {
    const vaultMount = tmpfs("4m")
    const stateMount = tmpfs("1m")
    const project = projectOn(vaultMount, stateMount)
    const vault = path.join(project.dir, ".myco")
    initVault(project, 256 * 1024)
    const daemon = await startDaemon(project, project.env)
    try {
      const sent: Array<string> = []
      const hook = async (i: number) => {
        const result = await runHook(["UserPromptSubmit", "--agent", "claude-code"], claudePayload("UserPromptSubmit", "paused-session", project.dir, { prompt: `prompt ${i} ${"q".repeat(512)}` }), {
          cwd: project.dir,
          env: project.env
        })
        expect(result.status).toBe(0)
        expect(result.stderr).not.toContain("event lost")
        sent.push(`prompt ${i}`)
      }
      for (let i = 0; i < 3; i++) await hook(i)
      await eventually(() => database(project).stored.length === 3, 20_000, "the first events to be stored")
      await eventually(() => fs.statSync(path.join(vault, "spool", RESERVE_FILE)).size === 256 * 1024, 20_000, "the reserve")

      fill(path.join(vaultMount, "filler"))
      // Events keep coming until one finds the disk full and the supervisor pauses.
      let i = 3
      for (; i < 60 && status(project).intake.state === "accepting"; i++) await hook(i)
      const paused = status(project)
      expect(paused.intake.state).toBe("paused")
      // Paused, not gone: the hooks still exit 0, and their events wait in the spool.
      for (const end = i + 8; i < end; i++) await hook(i)
      const during = status(project)
      expect(during.running).toBe(true)
      expect(during.intake.state).toBe("paused")
      expect(during.intake.refused).toBeGreaterThanOrEqual(8)
      expect(during.spool.waiting).toBeGreaterThanOrEqual(8)
      expect(myco(["status"], { cwd: project.dir, env: project.env }).stdout).toContain("PAUSED since")
      expect(daemon.child.exitCode).toBeNull()
      expect(markers(path.join(vault, "spool", LOST_DIR))).toEqual([])

      // A file is deleted: the supervisor resumes by itself and drains what the hooks spooled.
      fs.rmSync(path.join(vaultMount, "filler"))
      await eventually(() => status(project).intake.state === "accepting", 30_000, "writes to resume")
      await eventually(() => spoolFiles(path.join(vault, "spool")).length === 0, 30_000, "the spool to be drained")
      await eventually(() => database(project).stored.length === sent.length, 30_000, "every event to be stored")
      const { stored, lost } = database(project)
      expect(new Set(stored).size).toBe(sent.length)
      expect(lost).toEqual([])
      const db = new Database(path.join(vault, "myco.db"), { readonly: true })
      const prompts = Schema.decodeUnknownSync(Schema.Array(Schema.Struct({ payload: Schema.String })))(db.prepare("SELECT payload FROM events").all()).map(
        (r) => /prompt (\d+)/.exec(r.payload)?.[1]
      )
      db.close()
      expect(new Set(prompts).size).toBe(sent.length)
      expect(daemon.stderr()).toContain("writes paused: the vault's disk is full")
      await eventually(() => daemon.stderr().includes("writes resumed"), 10_000, "the supervisor to say it resumed")
      process.stdout.write(`SQLITE_FULL: ${sent.length} events sent, ${during.intake.refused} refused while paused and spooled; ${stored.length} stored once after resuming, 0 lost\n`)
    } finally {
      const exit = await stopDaemon(daemon)
      expect(exit.code).toBe(0)
    }
  }, 180_000)
})

describe.skipIf(!canMount)(`no inode left, on a tmpfs mount${skipped}`, () => {
  it("when not even an empty marker fits, the hook counts the loss in the ledger, and the next supervisor reports it", async () => {
    const vaultMount = tmpfs("4m", 96)
    const stateMount = tmpfs("1m", 48)
    const project = projectOn(vaultMount, stateMount)
    const vault = path.join(project.dir, ".myco")
    initVault(project, 256 * 1024)
    const first = await startDaemon(project, project.env)
    await eventually(() => fs.existsSync(path.join(vault, "spool", LOST_DIR, "ledger")), 20_000, "the ledger")
    expect((await stopDaemon(first)).code).toBe(0)

    // Both disks: no inode left, and no space either.
    for (const mount of [vaultMount, stateMount]) {
      exhaustInodes(path.join(mount, "inodes"))
      fill(path.join(mount, "inodes", "0"))
    }
    const sent = 5
    for (let i = 0; i < sent; i++) {
      const result = await runHook(["Stop", "--agent", "claude-code"], claudePayload("Stop", "no-inode-session", project.dir), { cwd: project.dir, env: project.env })
      expect(result.status).toBe(0)
      expect(result.stderr).toContain("not even for a marker")
      expect(result.stderr).toContain(`counted in ${path.join(vault, "spool", LOST_DIR, "ledger")}`)
    }
    expect(markers(path.join(vault, "spool", LOST_DIR))).toEqual([])

    expect(fs.readdirSync(fallbackPathsOf(vault, project.env)?.spool ?? "")).toEqual([])
    fs.rmSync(path.join(vaultMount, "inodes"), { recursive: true })
    const daemon = await startDaemon(project, project.env)
    try {
      await eventually(() => database(project).lost.reduce((n, l) => n + l.count, 0) === sent, 20_000, "the ledger's counts to be recorded")
      expect(status(project).losses).toEqual({ lost: sent, lostForSpace: sent })
      expect(doctor(project, "losses")).toEqual([expect.objectContaining({ status: "warn", detail: expect.stringContaining(`${sent} events lost (disk full)`) })])
      // Read again on every pass: still counted once.
      await new Promise((resolve) => setTimeout(resolve, 2500))
      expect(status(project).losses.lost).toBe(sent)
      process.stdout.write(`no inode left: ${sent} events sent, 0 spooled, ${sent} counted lost in the ledger\n`)
    } finally {
      await stopDaemon(daemon)
    }
  }, 180_000)
})

describe("a spool that cannot be used", () => {
  it("sends hooks to the fallback spool, whose events are stored once the spool is moved aside", async () => {
    const project = tempProject("myco-fallback-")
    dirs.push(project.dir)
    const env = { ...project.env, MYCO_HOOK_AUTOSTART: "0" }
    expect(myco(["init"], { cwd: project.dir, env }).status).toBe(0)
    const vault = path.join(project.dir, ".myco")
    const elsewhere = path.join(project.dir, "elsewhere")
    fs.mkdirSync(elsewhere)
    fs.rmSync(path.join(vault, "spool"), { recursive: true })
    fs.symlinkSync(elsewhere, path.join(vault, "spool"))
    const result = await runHook(["UserPromptSubmit", "--agent", "claude-code"], claudePayload("UserPromptSubmit", "linked-spool", project.dir, { prompt: "kept aside" }), {
      cwd: project.dir,
      env
    })
    expect(result.status).toBe(0)
    const fallback = fallbackPathsOf(vault, env)
    expect(result.stderr).toContain(`event spooled to ${fallback?.spool}`)
    expect(result.stderr).toContain("is a symbolic link")
    expect(fs.readdirSync(elsewhere)).toEqual([])
    expect(spoolFiles(fallback?.spool)).toHaveLength(1)
    // The supervisor will not serve a vault whose spool is a link; moved aside, it drains the fallback.
    fs.renameSync(path.join(vault, "spool"), path.join(vault, "spool.suspect"))
    expect(myco(["init"], { cwd: project.dir, env }).status).toBe(0)
    const daemon = await startDaemon({ ...project, env }, env)
    try {
      await eventually(() => spoolFiles(fallback?.spool).length === 0, 20_000, "the fallback spool to be drained")
      await eventually(() => database({ ...project, env }).stored.length === 1, 20_000, "the event to be stored")
    } finally {
      await stopDaemon(daemon)
    }
  }, 120_000)
})
