// The demo: a throw-away project and its supervisor (`myco run`); a session created, fed captured
// events over the supervisor's socket (as an agent's hooks do), and walked through its whole
// lifecycle with the real `myco` CLI; what a watcher saw meanwhile; the session, its history and
// the supervision tree. Every command is printed before it runs.
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs"
import net from "node:net"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const bin = path.join(root, "dist", "myco.cjs")
if (!existsSync(bin)) execFileSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { stdio: "inherit" })

const project = realpathSync(mkdtempSync(path.join(tmpdir(), "myco-demo-")))
const env = { ...process.env, MYCO_HOME: path.join(project, ".myco-home"), MYCO_VAULT_DIR: "" }
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

/** Sends one Capture request over the socket, as an agent's hook would, and returns the outcomes. */
const capture = (socket, events) =>
  new Promise((resolve, reject) => {
    const s = net.connect(socket)
    let buffered = ""
    s.setEncoding("utf8")
    s.on("data", (chunk) => {
      buffered += chunk
      const line = buffered.split("\n")[0]
      if (buffered.includes("\n")) {
        s.end()
        const reply = JSON.parse(line)
        if ("ok" in reply) resolve(reply.ok)
        else reject(new Error(JSON.stringify(reply.error)))
      }
    })
    s.on("error", reject)
    s.on("connect", () => s.write(`${JSON.stringify({ id: 1, request: { _tag: "Capture", events } })}\n`))
  })

let supervisor
let watcher
try {
  process.stdout.write(`demo project: ${project}\n`)
  myco("init")

  supervisor = background("run")
  const daemonJson = path.join(project, ".myco", "run", "daemon.json")
  for (let i = 0; !existsSync(daemonJson); i++) {
    if (i > 200) throw new Error(`myco run did not start: ${supervisor.output.stderr}`)
    await sleep(50)
  }
  const { socket } = JSON.parse(readFileSync(daemonJson, "utf8"))
  watcher = background("session", "watch")
  while (!watcher.output.stderr.includes("watching")) await sleep(20)

  myco("session", "create", "--agent", "claude-code", "--title", "demo session")
  const [{ id }] = JSON.parse(run(true, ["session", "list", "--json", "--limit", "1"]))

  const at = () => new Date().toISOString()
  const events = [
    { idempotencyId: `${id}-1`, sessionId: id, kind: "prompt", at: at(), payload: { prompt: "add a test for the parser" } },
    { idempotencyId: `${id}-2`, sessionId: id, kind: "tool_use", at: at(), payload: { tool: "Read", input: { file_path: "src/parser.ts" } } },
    { idempotencyId: `${id}-3`, sessionId: id, kind: "turn_end", at: at(), payload: {} }
  ]
  process.stdout.write(`\n(3 events sent over the socket, as an agent's hook would, then one of them again)\n`)
  for (const o of await capture(socket, events)) process.stdout.write(`  ${o.idempotencyId}: seq ${o.seq}, duplicate ${o.duplicate}\n`)
  for (const o of await capture(socket, [events[1]])) process.stdout.write(`  ${o.idempotencyId}: seq ${o.seq}, duplicate ${o.duplicate} (a retry, stored once)\n`)

  myco("session", "complete", id, "--reason", "SessionEnd from the agent")
  myco("session", "process", id, "--reason", "intelligence tasks succeeded")
  myco("session", "archive", id, "--reason", "older than the archive policy")
  myco("status")
  myco("session", "show", id)
  myco("session", "history", id)

  watcher.child.kill("SIGINT")
  await watcher.exited
  process.stdout.write(`\n(what \`myco session watch\` printed meanwhile)\n${watcher.output.stdout}`)
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
