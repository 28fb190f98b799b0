/**
 * What the real `myco` binary prints, and where: no ANSI escapes where there is no terminal or
 * NO_COLOR is set (colours only on a terminal that wants them); `--wizard` refused at once, with
 * exit 64, when it has no terminal to ask on; the foreground supervisor printing each log line
 * once, on stderr (stdout stays empty), and writing each once in logs/myco.log. Also the package:
 * both binaries in `bin`, and a README that says how to run myco from a clone.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { myco, mycoAsync, mycoBin, repoRoot, tempProject, type TempProject } from "../support/cli.js"
import { startDaemon } from "../support/daemon.js"

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-output-")
})
afterEach(() => {
  project.cleanup()
})

const ESC = "\u001b"
const hasScript = spawnSync("script", ["--version"]).status === 0

/** Runs `myco args` on a pseudo-terminal (util-linux `script`), returning what the terminal saw. */
const onTerminal = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): string => {
  const command = [process.execPath, mycoBin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ")
  return spawnSync("script", ["-qec", command, "/dev/null"], { cwd: project.dir, env, encoding: "utf8", timeout: 30_000 }).stdout
}

describe("colours", () => {
  it("none in help, usage errors or version when stdout and stderr are not terminals", () => {
    for (const args of [["--help"], ["session", "--help"], ["--version"], ["no-such-command"], ["session", "list", "--limit", "x"]]) {
      const result = myco(args, { cwd: project.dir, env: { ...project.env, NO_COLOR: "" } })
      expect(result.stdout + result.stderr, args.join(" ")).not.toContain(ESC)
    }
    expect(myco(["--help"], { cwd: project.dir, env: project.env }).stdout).toContain("USAGE")
  })

  it("on a terminal: colours, unless NO_COLOR is set", () => {
    if (!hasScript) return
    expect(onTerminal(["--help"], { ...project.env, NO_COLOR: "" })).toContain(ESC)
    const plain = onTerminal(["--help"], { ...project.env, NO_COLOR: "1" })
    expect(plain).toContain("USAGE")
    expect(plain).not.toContain(ESC)
  })
})

describe("--wizard", () => {
  it("without a terminal: a usage error at once (exit 64), not a wait for ever", async () => {
    for (const stdin of ["ignore", "pipe"] as const) {
      const child = spawn(process.execPath, [mycoBin, "--wizard"], { cwd: project.dir, env: project.env, stdio: [stdin, "pipe", "pipe"] })
      if (stdin === "pipe") child.stdin?.end()
      let stderr = ""
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
      const started = Date.now()
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL")
          resolve(null)
        }, 15_000)
        child.on("exit", (c) => {
          clearTimeout(timer)
          resolve(c)
        })
      })
      expect(code, `stdin ${stdin}: ${stderr}`).toBe(64)
      expect(Date.now() - started).toBeLessThan(15_000)
      expect(stderr).toContain("--wizard asks its questions on a terminal")
    }
  })
})

describe("myco run in the foreground", () => {
  it("prints each log line once, on stderr, and writes each once in logs/myco.log", async () => {
    expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
    const stdout: Array<string> = []
    const daemon = await startDaemon(project)
    daemon.child.stdout?.on("data", (d: Buffer) => stdout.push(d.toString()))
    expect((await mycoAsync(["stop"], { cwd: project.dir, env: project.env })).status).toBe(0)
    await daemon.exited
    const count = (text: string, needle: string) => text.split("\n").filter((l) => l.includes(needle)).length
    for (const message of ["serving ", "stopping: requests answered", "message=stopped"]) {
      expect(count(daemon.stderr(), message), `${message} in:\n${daemon.stderr()}`).toBe(1)
    }
    expect(stdout.join("")).toBe("")
    const log = fs.readFileSync(path.join(project.dir, ".myco", "logs", "myco.log"), "utf8")
    expect(count(log, "serving ")).toBe(1)
    expect(count(log, '"message":"stopped"')).toBe(1)
  })
})

describe("the package", () => {
  const Package = Schema.Struct({ bin: Schema.Record({ key: Schema.String, value: Schema.String }) })
  const pkg = Schema.decodeUnknownSync(Schema.parseJson(Package))(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"))

  it("installs both binaries the docs name, each an executable file of dist/", () => {
    expect(pkg.bin).toEqual({ myco: "dist/myco.cjs", "myco-hook": "dist/myco-hook.cjs" })
    for (const file of Object.values(pkg.bin)) {
      expect(fs.statSync(path.join(repoRoot, file)).mode & 0o111, file).not.toBe(0)
    }
  })

  it("the README says how to run myco from a clone, not `npx myco` (it is not on the registry)", () => {
    const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8")
    expect(readme).not.toMatch(/npx myco/)
    expect(readme).toContain("npm link")
    expect(readme).toContain("dist/myco.cjs")
  })
})
