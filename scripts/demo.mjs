// The demo: a throw-away project with myco's hooks installed for Claude Code and its supervisor
// (`myco run`); a recorded Claude Code session replayed through the real hook (the guard
// .agents/myco-run.cjs, exactly as Claude Code runs it, payloads on stdin); the session as myco
// stored it; the supervisor stopped, the session resumed meanwhile (the hooks spool), and a new
// supervisor draining the spool; the rest of the lifecycle by hand; what a watcher saw. Every
// command is printed before it runs.
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const bin = path.join(root, "dist", "myco.cjs")
if (!existsSync(bin) || !existsSync(path.join(root, "dist", "myco-hook.cjs"))) {
  execFileSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { stdio: "inherit" })
}
/** A Claude Code session recorded from the real CLI: one `{event, payload}` per hook call. */
const recording = path.join(root, "test", "fixtures", "agents", "claude-code", "recorded-session.jsonl")

const project = realpathSync(mkdtempSync(path.join(tmpdir(), "myco-demo-")))
const env = { ...process.env, MYCO_HOME: path.join(project, ".myco-home"), XDG_STATE_HOME: path.join(project, ".myco-state"), MYCO_VAULT_DIR: "" }
const quote = (arg) => (/^[\w./:@=-]+$/.test(arg) ? arg : `'${arg}'`)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

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

/** Starts `myco ...args` in the background; returns the process and what it printed so far. */
const background = (...args) => {
  process.stdout.write(`\n$ myco ${args.map(quote).join(" ")} &\n`)
  const child = spawn(process.execPath, [bin, ...args], { cwd: project, env })
  const output = { stdout: "", stderr: "" }
  child.stdout.on("data", (d) => (output.stdout += d))
  child.stderr.on("data", (d) => (output.stderr += d))
  const exited = new Promise((resolve) => child.on("exit", resolve))
  return { child, output, exited }
}

/** Starts the supervisor and waits until it serves. */
const startSupervisor = async () => {
  const started = background("run")
  const daemonJson = path.join(project, ".myco", "run", "daemon.json")
  for (let i = 0; !existsSync(daemonJson); i++) {
    if (i > 200) throw new Error(`myco run did not start: ${started.output.stderr}`)
    await sleep(50)
  }
  return started
}

/**
 * Runs one hook as Claude Code does: `node "$CLAUDE_PROJECT_DIR/.agents/myco-run.cjs" <Event>
 * --agent claude-code`, the payload on stdin. Returns its exit code, stdout and wall time.
 */
const hook = (event, payload, extraEnv = {}) => {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, [path.join(project, ".agents", "myco-run.cjs"), event, "--agent", "claude-code"], {
    cwd: project,
    env: { ...env, CLAUDE_PROJECT_DIR: project, ...extraEnv },
    input: JSON.stringify(payload),
    encoding: "utf8"
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Number(process.hrtime.bigint() - start) / 1e6 }
}

const spoolFiles = () => readdirSync(path.join(project, ".myco", "spool")).filter((f) => f.endsWith(".json"))

let supervisor
let watcher
try {
  process.stdout.write(`demo project: ${project}\n`)
  myco("init")
  myco("hooks", "install", "--agent", "claude-code")

  supervisor = await startSupervisor()
  watcher = background("session", "watch")
  while (!watcher.output.stderr.includes("watching")) await sleep(20)

  const calls = readFileSync(recording, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line.replaceAll("/home/dev/project", project)))
  const id = calls[0].payload.session_id
  process.stdout.write(`\n(replaying a recorded Claude Code session: ${calls.length} hook calls through .agents/myco-run.cjs)\n`)
  for (const { event, payload } of calls) {
    const r = hook(event, payload)
    const detail = payload.prompt ?? payload.tool_name ?? payload.source ?? payload.reason ?? payload.trigger ?? ""
    process.stdout.write(`  ${event.padEnd(20)} ${String(detail).slice(0, 48).padEnd(48)} exit ${r.status}  ${r.ms.toFixed(0)} ms\n`)
    if (r.status !== 0 || r.stdout !== "") throw new Error(`hook ${event}: exit ${r.status}, stdout ${JSON.stringify(r.stdout)}, ${r.stderr}`)
  }
  myco("session", "show", id)

  myco("stop")
  await supervisor.exited
  supervisor = undefined
  process.stdout.write(`\n(no supervisor now; the user resumes the session: the hooks spool their events, exit 0 at once)\n`)
  const resumed = [
    ["SessionStart", { ...calls[0].payload, source: "resume" }],
    ["UserPromptSubmit", { ...calls[1].payload, hook_event_name: "UserPromptSubmit", prompt: "One more thing: add a title to notes.txt." }]
  ]
  for (const [event, payload] of resumed) {
    const r = hook(event, payload, { MYCO_HOOK_AUTOSTART: "0" })
    process.stdout.write(`  ${event.padEnd(20)} exit ${r.status}  ${r.ms.toFixed(0)} ms\n`)
  }
  process.stdout.write(`\n$ ls .myco/spool\n${spoolFiles().join("\n")}\n`)
  myco("doctor")

  supervisor = await startSupervisor()
  for (let i = 0; spoolFiles().length > 0; i++) {
    if (i > 200) throw new Error("the spool was not drained")
    await sleep(50)
  }
  process.stdout.write(`\n(the new supervisor drained the spool: the session was reopened by the resume)\n`)
  myco("session", "history", id)

  myco("session", "complete", id, "--reason", "the user is done")
  myco("session", "process", id, "--reason", "intelligence tasks succeeded")
  myco("session", "archive", id, "--reason", "older than the archive policy")
  myco("status")

  process.stdout.write(`\n(what \`myco session watch\` printed meanwhile)\n${watcher.output.stdout}`)
  watcher.child.kill("SIGINT")
  await watcher.exited
  watcher = undefined

  myco("stop")
  await supervisor.exited
  supervisor = undefined
  myco("doctor")
} finally {
  watcher?.child.kill("SIGKILL")
  supervisor?.child.kill("SIGKILL")
  rmSync(project, { recursive: true, force: true })
}
