// The demo: a throw-away project, a session walked through its whole lifecycle with the real
// `myco` CLI, then the session and its history. Every command is printed before it runs.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const bin = path.join(root, "dist", "myco.cjs")
if (!existsSync(bin)) execFileSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { stdio: "inherit" })

const project = realpathSync(mkdtempSync(path.join(tmpdir(), "myco-demo-")))
const env = { ...process.env, MYCO_HOME: path.join(project, ".myco-home"), MYCO_VAULT_DIR: "" }

const quote = (arg) => (/^[\w./:@=-]+$/.test(arg) ? arg : `'${arg}'`)

/** Runs `myco ...args` in the demo project; unless quiet, echoes the command and its output. */
const run = (quiet, args) => {
  if (!quiet) process.stdout.write(`\n$ myco ${args.map(quote).join(" ")}\n`)
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: project, env, encoding: "utf8" })
  if (!quiet) process.stdout.write(result.stdout)
  process.stderr.write(result.stderr)
  if (result.status !== 0) throw new Error(`myco ${args.join(" ")} exited ${result.status}`)
  return result.stdout
}
const myco = (...args) => run(false, args)

try {
  process.stdout.write(`demo project: ${project}\n`)
  myco("init")
  myco("session", "create", "--agent", "claude-code", "--title", "demo session")
  const [{ id }] = JSON.parse(run(true, ["session", "list", "--json", "--limit", "1"]))
  myco("session", "complete", id, "--reason", "SessionEnd from the agent")
  myco("session", "process", id, "--reason", "intelligence tasks succeeded")
  myco("session", "archive", id, "--reason", "older than the archive policy")
  myco("session", "list")
  myco("session", "show", id)
  myco("session", "history", id)
  myco("doctor")
} finally {
  rmSync(project, { recursive: true, force: true })
}
