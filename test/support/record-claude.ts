/**
 * Records the hook payloads of a real Claude Code session, offline, into
 * test/fixtures/agents/claude-code/recorded-session.jsonl.
 *
 *   npx tsx test/support/record-claude.ts [--out FILE] [--async] [--no-compact] [--keep]
 *
 * It installs the pinned Claude Code (test/support/claude.ts) if needed, makes a temp project whose
 * .claude/settings.json runs a recording hook for every hook event Claude Code knows, and runs the
 * demo session (claude.ts `demoSession`: three prompts in one `-p --input-format stream-json`
 * session, with Write, Read, Bash, a failing Bash, a subagent and a `/compact`) against the
 * scripted model server (model-server.ts). Each hook appends `{"event", "payload"}` (its event name
 * and the JSON Claude Code gave it on stdin) to a file; the fixture is that file with the temp
 * project and HOME paths replaced by /home/dev/project and /home/dev, in the order the hooks ran.
 *
 * --async marks every hook `"async": true` (their records may then come in any order).
 * --no-compact leaves out the `/compact` (no PreCompact/PostCompact/SessionStart "compact").
 * --keep keeps the temp project and HOME and prints where they are.
 * It prints the events, the model requests and how long the run took.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { repoRoot } from "./cli.js"
import { claudeEnv, claudeVersion, demoSession, ensureClaudeCode, runClaudeSession, tempHome } from "./claude.js"
import { startModelServer } from "./model-server.js"

/** Every hook event of Claude Code 2.1.112 (its settings schema's list). */
const CLAUDE_HOOK_EVENTS = [
  "PreToolUse", "PostToolUse", "PostToolUseFailure", "Notification", "UserPromptSubmit", "SessionStart", "SessionEnd",
  "Stop", "StopFailure", "SubagentStart", "SubagentStop", "PreCompact", "PostCompact", "PermissionRequest",
  "PermissionDenied", "Setup", "TeammateIdle", "TaskCreated", "TaskCompleted", "Elicitation", "ElicitationResult",
  "ConfigChange", "WorktreeCreate", "WorktreeRemove", "InstructionsLoaded", "CwdChanged", "FileChanged"
] as const

/** The recording hook: `node record-hook.cjs <Event>` appends one line to $MYCO_RECORD_FILE. */
const RECORD_HOOK = `const fs = require("node:fs")
const chunks = []
process.stdin.on("data", (c) => chunks.push(c))
process.stdin.on("end", () => {
  const text = Buffer.concat(chunks).toString("utf8")
  let payload
  try { payload = JSON.parse(text) } catch { payload = text }
  fs.appendFileSync(process.env.MYCO_RECORD_FILE, JSON.stringify({ event: process.argv[2], at: Date.now(), payload }) + "\\n")
})
`

/** Claude Code's name for a project's directory under ~/.claude/projects. */
const projectSlug = (dir: string): string => dir.replace(/[^a-zA-Z0-9]/g, "-")

/** Replaces every occurrence of each `from` in every string inside `value`. */
const replaceDeep = (value: unknown, pairs: ReadonlyArray<readonly [string, string]>): unknown => {
  if (typeof value === "string") return pairs.reduce((s, [from, to]) => s.split(from).join(to), value)
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, pairs))
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, pairs)]))
  return value
}

const main = async (): Promise<void> => {
  const argv = process.argv.slice(2)
  const flag = (name: string) => argv.includes(name)
  const outIndex = argv.indexOf("--out")
  const out = outIndex >= 0 && argv[outIndex + 1] !== undefined ? path.resolve(argv[outIndex + 1] ?? "") : path.join(repoRoot, "test", "fixtures", "agents", "claude-code", "recorded-session.jsonl")

  const installStarted = Date.now()
  const cli = await ensureClaudeCode()
  console.log(`claude-code ${claudeVersion(cli)} at ${cli} (ready in ${Date.now() - installStarted} ms)`)

  const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "claude-record-")))
  const home = tempHome()
  const recordFile = path.join(home, "hooks.jsonl")
  fs.mkdirSync(path.join(project, ".claude"))
  fs.writeFileSync(path.join(project, ".claude", "record-hook.cjs"), RECORD_HOOK)
  const hooks = Object.fromEntries(
    CLAUDE_HOOK_EVENTS.map((event) => [
      event,
      [{ matcher: "", hooks: [{ type: "command", command: `node "$CLAUDE_PROJECT_DIR"/.claude/record-hook.cjs ${event}`, ...(flag("--async") ? { async: true } : {}) }] }]
    ])
  )
  fs.writeFileSync(path.join(project, ".claude", "settings.json"), `${JSON.stringify({ hooks }, null, 2)}\n`)

  const demo = demoSession(project, { compact: !flag("--no-compact") })
  const server = await startModelServer(demo.script)
  try {
    const session = runClaudeSession({ cli, cwd: project, env: { ...claudeEnv({ home, baseUrl: server.url }), MYCO_RECORD_FILE: recordFile }, prompts: demo.prompts })
    const run = await session.done
    // Async hooks may still be writing.
    if (flag("--async")) await new Promise((resolve) => setTimeout(resolve, 1500))
    console.log(`claude exited ${run.code ?? run.signal} in ${run.durationMs} ms, session ${run.sessionId ?? "?"}`)
    if (run.code !== 0) console.log(run.stderr)
    console.log(`model requests: ${server.requests.map((r) => `${r.method} ${r.path} ${r.kind}${r.turn === undefined ? "" : `#${r.turn}`}`).join(", ")}`)

    const lines = fs.existsSync(recordFile) ? fs.readFileSync(recordFile, "utf8").split("\n").filter((l) => l !== "") : []
    const records = lines.map((l) => JSON.parse(l) as { event: string; at: number; payload: unknown })
    const t0 = records[0]?.at ?? 0
    console.log(`${records.length} hook events:`)
    for (const r of records) {
      const p = typeof r.payload === "object" && r.payload !== null ? (r.payload as Record<string, unknown>) : {}
      const detail = [p["source"], p["tool_name"], p["reason"], p["trigger"], p["agent_type"]].filter((v) => typeof v === "string" && v !== "").join(" ")
      console.log(`  +${String(r.at - t0).padStart(5)} ms  ${r.event}${detail === "" ? "" : ` (${detail})`}`)
    }
    const stable = "/home/dev"
    const pairs: ReadonlyArray<readonly [string, string]> = [
      [project, `${stable}/project`],
      [home, stable],
      [projectSlug(project), projectSlug(`${stable}/project`)]
    ]
    fs.mkdirSync(path.dirname(out), { recursive: true })
    fs.writeFileSync(out, records.map((r) => `${JSON.stringify({ event: r.event, payload: replaceDeep(r.payload, pairs) })}\n`).join(""))
    console.log(`wrote ${out}`)
  } finally {
    await server.close()
    if (flag("--keep")) console.log(`kept project ${project} and HOME ${home}`)
    else for (const dir of [project, home]) fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
