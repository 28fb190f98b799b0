/**
 * The vault is private whatever the umask: the real binaries (`myco init`, `myco session create`,
 * a hook spooling, `myco run` started and stopped) run under umask 022 and 000, then every file and
 * directory under `.myco/` is looked at. `myco init` tightens an existing vault; `myco doctor`
 * reports what is looser and `--fix` tightens it, but a symbolic link or another user's directory
 * in the vault is reported and never followed or changed. The project's own files that myco writes
 * (an agent's hook config) keep the user's umask.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { CheckResult } from "../../src/diagnostics/Check.js"
import { myco, mycoAsync, tempProject, type TempProject } from "../support/cli.js"
import { startDaemon } from "../support/daemon.js"
import { claudePayload, hookEnv, runHook } from "../support/hook.js"

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-modes-")
})
afterEach(() => {
  project.cleanup()
})

const vault = () => path.join(project.dir, ".myco")

/** Runs `f` with the test process's umask set to `mask` (children inherit it when spawned). */
const withUmask = <A>(mask: number, f: () => A): A => {
  const previous = process.umask(mask)
  try {
    return f()
  } finally {
    process.umask(previous)
  }
}

/** Every entry under `dir` (not following links), with its lstat. */
const everything = (dir: string): ReadonlyArray<readonly [string, fs.Stats]> =>
  fs.readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name)
    const stat = fs.lstatSync(file)
    return [[file, stat] as const, ...(stat.isDirectory() ? everything(file) : [])]
  })

const octal = (mode: number) => (mode & 0o7777).toString(8)

/** The entries under .myco/ (and .myco/ itself) that others could read, as "path mode". */
const notPrivate = (): ReadonlyArray<string> =>
  [[vault(), fs.lstatSync(vault())] as const, ...everything(vault())]
    .filter(([, stat]) => (stat.isDirectory() ? (stat.mode & 0o7777) !== 0o700 : (stat.mode & 0o077) !== 0))
    .map(([file, stat]) => `${path.relative(project.dir, file)} ${octal(stat.mode)}`)

const doctor = (...args: Array<string>) => {
  const result = myco(["doctor", "--json", ...args], { cwd: project.dir, env: project.env })
  return { status: result.status, checks: Schema.decodeUnknownSync(Schema.Array(CheckResult))(JSON.parse(result.stdout)) }
}
const permissionChecks = (checks: ReadonlyArray<CheckResult>) => checks.filter((c) => c.check === "permissions")

describe.each([0o022, 0o000])("under umask %o", (mask) => {
  it("everything myco creates in the vault is private: init, session create, a spooled hook, myco run", async () => {
    const run = (...args: Array<string>) => withUmask(mask, () => myco(args, { cwd: project.dir, env: project.env }))
    expect(run("init").status).toBe(0)
    expect(run("session", "create", "--agent", "claude-code").status).toBe(0)
    // A hook with no supervisor spools its event.
    const previous = process.umask(mask)
    const spooling = runHook(["SessionStart", "--agent", "claude-code", "--vault", vault()], claudePayload("SessionStart", "s-1", project.dir), {
      cwd: project.dir,
      env: hookEnv(project)
    })
    process.umask(previous)
    expect((await spooling).status).toBe(0)
    // The supervisor: started under the umask, it drains the spool, logs, and stops.
    const umaskBefore = process.umask(mask)
    const starting = startDaemon(project)
    process.umask(umaskBefore)
    const daemon = await starting
    const hook = withUmask(mask, () =>
      runHook(["UserPromptSubmit", "--agent", "claude-code"], claudePayload("UserPromptSubmit", "s-1", project.dir, { prompt: "hi" }), {
        cwd: project.dir,
        env: hookEnv(project)
      })
    )
    expect((await hook).status).toBe(0)
    expect(notPrivate()).toEqual([])
    const stop = await withUmask(mask, () => mycoAsync(["stop"], { cwd: project.dir, env: project.env }))
    expect(stop.status, stop.stderr).toBe(0)
    await daemon.exited
    expect(fs.readFileSync(path.join(vault(), "logs", "myco.log"), "utf8")).toContain("serving")
    expect(notPrivate()).toEqual([])
  })

  it("the project's own files that myco writes keep the user's umask", () => {
    expect(withUmask(mask, () => myco(["init"], { cwd: project.dir, env: project.env })).status).toBe(0)
    expect(withUmask(mask, () => myco(["hooks", "install", "--agent", "claude-code"], { cwd: project.dir, env: project.env })).status).toBe(0)
    expect(octal(fs.statSync(path.join(project.dir, ".claude")).mode)).toBe(octal(0o777 & ~mask))
    expect(octal(fs.statSync(path.join(project.dir, ".claude", "settings.json")).mode)).toBe(octal(0o666 & ~mask))
    expect(octal(fs.statSync(path.join(project.dir, ".agents", "myco-run.cjs")).mode)).toBe("755")
    expect(notPrivate()).toEqual([])
  })
})

describe("a vault made by an older myco (0755, 0644)", () => {
  const loosen = () => {
    for (const dir of [vault(), path.join(vault(), "logs"), path.join(vault(), "archive"), path.join(vault(), "spool")]) fs.chmodSync(dir, 0o755)
    fs.writeFileSync(path.join(vault(), "logs", "myco.log"), "{}\n")
    fs.mkdirSync(path.join(vault(), "spool", "rejected"), { recursive: true })
    fs.writeFileSync(path.join(vault(), "spool", "rejected", "x.json"), "{}")
    for (const file of ["myco.db", "logs/myco.log", "spool/rejected/x.json", "myco.yaml"]) fs.chmodSync(path.join(vault(), file), 0o644)
    fs.chmodSync(path.join(vault(), "spool", "rejected"), 0o755)
  }

  it("doctor names what others can read, --fix makes it private, and so does myco init", () => {
    expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
    loosen()
    const before = doctor()
    const [loose] = permissionChecks(before.checks)
    expect(loose).toMatchObject({ status: "warn", fix: "myco doctor --fix" })
    for (const shown of [".myco (0755)", ".myco/myco.db (0644)", ".myco/logs/myco.log (0644)", ".myco/spool/rejected (0755)", ".myco/spool/rejected/x.json (0644)"]) {
      expect(loose?.detail).toContain(shown)
    }
    const fixed = myco(["doctor", "--fix"], { cwd: project.dir, env: project.env })
    expect(fixed.stdout).toContain("fixed permissions: made private")
    expect(notPrivate()).toEqual([])
    expect(permissionChecks(doctor().checks)).toMatchObject([{ status: "ok" }])

    loosen()
    expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
    expect(notPrivate()).toEqual([])
  })

  it("a symbolic link in place of a vault directory is reported, never followed, never changed", () => {
    expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
    const elsewhere = path.join(project.dir, "elsewhere")
    fs.mkdirSync(elsewhere)
    fs.chmodSync(elsewhere, 0o755)
    fs.writeFileSync(path.join(elsewhere, "secret.json"), "{}")
    fs.chmodSync(path.join(elsewhere, "secret.json"), 0o644)
    fs.rmSync(path.join(vault(), "logs"), { recursive: true })
    fs.symlinkSync(elsewhere, path.join(vault(), "logs"))
    const { status, checks } = doctor("--fix")
    expect(status).toBe(78)
    const [unsafe] = permissionChecks(checks)
    expect(unsafe).toMatchObject({ status: "fail", fix: "mv .myco/logs .myco/logs.suspect && myco init" })
    expect(unsafe?.detail).toContain(".myco/logs is a symbolic link")
    // Nothing behind the link was touched.
    expect(octal(fs.statSync(elsewhere).mode)).toBe("755")
    expect(octal(fs.statSync(path.join(elsewhere, "secret.json")).mode)).toBe("644")
    const init = myco(["init"], { cwd: project.dir, env: project.env })
    expect(init.status).toBe(78)
    expect(init.stderr).toContain("symbolic link")
    expect(octal(fs.statSync(elsewhere).mode)).toBe("755")
  })

  it("a vault directory owned by another user is reported and left alone (as root only: chown needs it)", () => {
    if (process.getuid?.() !== 0) return
    expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
    const backups = path.join(vault(), "backups")
    fs.chownSync(backups, 65534, 65534)
    fs.chmodSync(backups, 0o755)
    const { checks } = doctor("--fix")
    const [unsafe] = permissionChecks(checks)
    expect(unsafe).toMatchObject({ status: "fail", fix: "mv .myco/backups .myco/backups.suspect && myco init" })
    expect(unsafe?.detail).toContain(".myco/backups owned by uid 65534")
    expect(fs.statSync(backups).uid).toBe(65534)
    expect(octal(fs.statSync(backups).mode)).toBe("755")
  })
})
