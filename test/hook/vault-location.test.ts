/**
 * How the built hook (dist/myco-hook.cjs) finds its vault when its working directory does not
 * lead to one (MCP servers and some agents' children start in `/`): `--vault` and
 * `MYCO_VAULT_DIR` each accept the project directory or its `.myco/`. With a supervisor running,
 * each way delivers the event to it (the session shows up with the right agent); with none (and
 * autostart off), each way spools the event into `<project>/.myco/spool/` (never
 * `<project>/spool/`), and a supervisor started afterwards drains it, storing it exactly once.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { myco, mycoJson, tempProject, type TempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"
import { claudePayload, eventually, hookEnv, runHook, spooled, storedEvents } from "../support/hook.js"

let project: TempProject
let elsewhere: string
let daemon: RunningDaemon | undefined
beforeEach(() => {
  project = tempProject("myco-vaultloc-")
  elsewhere = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-elsewhere-")))
  expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
})
afterEach(async () => {
  if (daemon !== undefined && daemon.child.exitCode === null) {
    daemon.child.kill("SIGTERM")
    await daemon.exited
  }
  daemon = undefined
  myco(["stop"], { cwd: project.dir, env: project.env })
  project.cleanup()
  fs.rmSync(elsewhere, { recursive: true, force: true })
})

/** One way of naming the vault, run from a directory that does not lead to it. */
interface Location {
  readonly name: string
  readonly tag: string
  readonly args: () => ReadonlyArray<string>
  readonly env: () => NodeJS.ProcessEnv
  readonly cwd: () => string
}

const LOCATIONS: ReadonlyArray<Location> = [
  { name: "--vault <project>", tag: "flag-project", args: () => ["--vault", project.dir], env: () => ({}), cwd: () => elsewhere },
  { name: "--vault <project>/.myco", tag: "flag-dotmyco", args: () => ["--vault", path.join(project.dir, ".myco")], env: () => ({}), cwd: () => elsewhere },
  // The environment fallback is for processes started in `/`.
  { name: "MYCO_VAULT_DIR=<project>", tag: "env-project", args: () => [], env: () => ({ MYCO_VAULT_DIR: project.dir }), cwd: () => "/" },
  { name: "MYCO_VAULT_DIR=<project>/.myco", tag: "env-dotmyco", args: () => [], env: () => ({ MYCO_VAULT_DIR: path.join(project.dir, ".myco") }), cwd: () => "/" }
]

/** Runs the SessionStart hook of Claude Code for `session`, naming the vault the way `where` does. */
const sessionStart = (where: Location, session: string) =>
  runHook(
    ["SessionStart", "--agent", "claude-code", ...where.args()],
    claudePayload("SessionStart", session, project.dir, { source: "startup" }),
    { cwd: where.cwd(), env: { ...hookEnv(project), ...where.env() } }
  )

interface Shown {
  readonly agent: string
  readonly status: string
  readonly events: ReadonlyArray<{ readonly kind: string }>
}
const isShown = (u: unknown): u is Shown =>
  typeof u === "object" && u !== null && "agent" in u && typeof u.agent === "string" && "events" in u && Array.isArray(u.events)
const show = (id: string): Shown => {
  const shown = mycoJson(["session", "show", id], { cwd: project.dir, env: project.env })
  if (!isShown(shown)) throw new Error(`unexpected session show output: ${JSON.stringify(shown)}`)
  return shown
}

/** Nothing but the vault's own spool may appear: no `<project>/spool/`, no `.myco/.myco/`. */
const expectNoStraySpool = (what: string) => {
  expect(fs.existsSync(path.join(project.dir, "spool")), `${what}: <project>/spool/ was created`).toBe(false)
  expect(fs.existsSync(path.join(project.dir, ".myco", ".myco")), `${what}: <project>/.myco/.myco/ was created`).toBe(false)
  expect(fs.existsSync(path.join(elsewhere, ".myco")) || fs.existsSync(path.join(elsewhere, "spool")), `${what}: wrote into its cwd`).toBe(false)
}

describe("hook vault location, outside the project", () => {
  it("the working directories used lead to no vault by themselves", () => {
    // Otherwise the cases below would prove nothing about --vault and MYCO_VAULT_DIR.
    for (let dir = elsewhere; ; dir = path.dirname(dir)) {
      expect(fs.existsSync(path.join(dir, ".myco")), `${dir} has a .myco/`).toBe(false)
      if (path.dirname(dir) === dir) break
    }
  })

  it("with a supervisor running, --vault and MYCO_VAULT_DIR (project dir or .myco/) each deliver the event to it", async () => {
    daemon = await startDaemon(project)
    for (const where of LOCATIONS) {
      const session = `vaultloc-up-${where.tag}`
      const result = await sessionStart(where, session)
      expect(result, where.name).toMatchObject({ status: 0, stdout: "" })
      expect(result.stderr, where.name).toBe("")
      // Delivered, not spooled: acknowledged once committed, so it is there when the hook exits.
      expect(spooled(project), where.name).toEqual([])
      const shown = show(session)
      expect(shown.agent, where.name).toBe("claude-code")
      expect(shown.status, where.name).toBe("active")
      expect(shown.events.map((e) => e.kind), where.name).toEqual(["session.start"])
      expectNoStraySpool(where.name)
    }
  })

  it("with no supervisor, each spools into <project>/.myco/spool/, and the next supervisor stores each event once", async () => {
    const sessions: Array<string> = []
    for (const [i, where] of LOCATIONS.entries()) {
      const session = `vaultloc-down-${where.tag}`
      sessions.push(session)
      const result = await sessionStart(where, session)
      expect(result, where.name).toMatchObject({ status: 0, stdout: "" })
      const files = spooled(project)
      expect(files, where.name).toHaveLength(i + 1)
      const mine = files.filter((f) => fs.readFileSync(path.join(project.dir, ".myco", "spool", f), "utf8").includes(`"${session}"`))
      expect(mine, `${where.name}: its event in the vault's spool`).toHaveLength(1)
      expectNoStraySpool(where.name)
    }

    daemon = await startDaemon(project)
    await eventually(() => spooled(project).length === 0, 20_000, "the spool to be drained")
    const stored = storedEvents(project)
    for (const session of sessions) {
      expect(stored.filter((e) => e.session_id === session).map((e) => e.kind), session).toEqual(["session.start"])
      expect(show(session).agent, session).toBe("claude-code")
    }
    expect(stored).toHaveLength(sessions.length)
  })
})
