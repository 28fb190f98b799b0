/**
 * The real Claude Code CLI for end-to-end tests: installed once from npm at a pinned version into
 * `node_modules/.cache/myco-e2e/`, and run offline against a scripted model server
 * (test/support/model-server.ts) in `-p` stream-json mode, with a temp HOME.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { repoRoot } from "./cli.js"
import { say, type ScriptedTurn, useTool } from "./model-server.js"

/**
 * 2.1.112 is the last release that ships the CLI as plain JavaScript (`cli.js`, engines node>=18):
 * it runs on our Node 20, installs as a ~20 MB tarball (64 MB unpacked) with no install script, and
 * its hook events are those of current releases (PostToolUseFailure, StopFailure, SubagentStart,
 * SessionEnd, ...). Releases from 2.1.113 on ship a ~400 MB native binary through per-platform
 * optional packages and a postinstall script (which npm 11 does not run without approval), and
 * declare node>=22.
 */
export const CLAUDE_CODE_VERSION = "2.1.112"

/** The version to use: `MYCO_CLAUDE_CODE_VERSION` overrides the pinned one (for trying another). */
export const claudeCodeVersion = (): string => process.env["MYCO_CLAUDE_CODE_VERSION"] || CLAUDE_CODE_VERSION

/** Where installs are cached. */
export const claudeCacheDir = path.join(repoRoot, "node_modules", ".cache", "myco-e2e")

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The installed CLI: `cli.js` up to 2.1.112, the native `bin/claude.exe` after; "" when absent. */
const cliPath = (dir: string): string => {
  const pkg = path.join(dir, "node_modules", "@anthropic-ai", "claude-code")
  return [path.join(pkg, "cli.js"), path.join(pkg, "bin", "claude.exe")].find((f) => fs.existsSync(f)) ?? ""
}

/** npm's own variables from an enclosing `npm test` would point the nested install at the repo. */
const npmEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_(config_(local_|global_)?prefix$|package_|lifecycle_|command$)/i.test(k)) env[k] = v
  }
  return env
}

/**
 * The path of a runnable Claude Code: `cli.js` (run it with `node`) or a native binary, installed
 * on first use.
 * Concurrent callers (vitest workers) serialize on a lock directory; the install goes to a temp
 * directory renamed into place once complete, so a half-done install is never used.
 */
export const ensureClaudeCode = async (version: string = claudeCodeVersion()): Promise<string> => {
  const target = path.join(claudeCacheDir, `claude-code-${version}`)
  if (cliPath(target) !== "") return cliPath(target)
  fs.mkdirSync(claudeCacheDir, { recursive: true })
  const lock = `${target}.lock`
  for (const started = Date.now(); ; ) {
    try {
      fs.mkdirSync(lock)
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e
    }
    if (cliPath(target) !== "") return cliPath(target)
    // A lock older than 5 minutes belongs to an install that died.
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
    if (age > 300_000) fs.rmSync(lock, { recursive: true, force: true })
    if (Date.now() - started > 600_000) throw new Error(`timed out waiting for ${lock}`)
    await sleep(250)
  }
  try {
    if (cliPath(target) !== "") return cliPath(target)
    const staging = `${target}.tmp-${process.pid}`
    fs.rmSync(staging, { recursive: true, force: true })
    fs.mkdirSync(staging, { recursive: true })
    fs.writeFileSync(path.join(staging, "package.json"), JSON.stringify({ name: "myco-e2e-claude-code", private: true }))
    const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn("npm", ["install", "--prefix", staging, "--no-audit", "--no-fund", "--no-save", "--no-package-lock", "--ignore-scripts", `@anthropic-ai/claude-code@${version}`], {
        cwd: staging,
        env: npmEnv(),
        stdio: ["ignore", "pipe", "pipe"]
      })
      let output = ""
      child.stdout.on("data", (d: Buffer) => (output += d.toString()))
      child.stderr.on("data", (d: Buffer) => (output += d.toString()))
      child.on("error", reject)
      child.on("close", (code) => resolve({ code, output }))
    })
    if (result.code !== 0 || cliPath(staging) === "") {
      fs.rmSync(staging, { recursive: true, force: true })
      throw new Error(`npm install @anthropic-ai/claude-code@${version} failed (${result.code}):\n${result.output}`)
    }
    fs.renameSync(staging, target)
    return cliPath(target)
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
}

/**
 * The environment for running Claude Code offline: a fresh HOME (so no login, config or history
 * of the machine's user is used; its transcripts and its temp files, which would otherwise pile
 * up in /tmp/claude-<uid>, go there too), API-key auth against the model server, and everything
 * that would phone home (telemetry, auto-update, error reporting) turned off.
 */
export const claudeEnv = (options: { readonly home: string; readonly baseUrl: string; readonly env?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  // Drop whatever the caller's own Claude Code or CI passes down (a nested Claude Code refuses to start).
  for (const [k, v] of Object.entries(options.env ?? process.env)) {
    if (!/^(CLAUDE|ANTHROPIC|CLAUDECODE|MCP_|OTEL_)/.test(k)) env[k] = v
  }
  return {
    ...env,
    HOME: options.home,
    CLAUDE_CONFIG_DIR: path.join(options.home, ".claude"),
    CLAUDE_CODE_TMPDIR: path.join(options.home, "tmp"),
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: "test-key",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    CI: "true"
  }
}

/** One line of Claude Code's stream-json output. */
export type StreamMessage = Readonly<Record<string, unknown>>

/** The outcome of one scripted session. */
export interface ClaudeRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly messages: ReadonlyArray<StreamMessage>
  readonly stderr: string
  readonly sessionId: string | undefined
  readonly durationMs: number
}

/** A session under way; `done` resolves when the process has exited. */
export interface ClaudeSession {
  readonly child: ChildProcess
  readonly done: Promise<ClaudeRun>
  readonly kill: () => void
}

/**
 * Runs one Claude Code session with several prompts: `claude -p --input-format stream-json`, each
 * prompt written on stdin once the previous one has its `result`, then stdin closed so that the
 * session ends (and SessionEnd hooks run) the normal way.
 */
export const runClaudeSession = (options: {
  readonly cli: string
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly prompts: ReadonlyArray<string>
  readonly args?: ReadonlyArray<string>
  readonly timeoutMs?: number
}): ClaudeSession => {
  const started = Date.now()
  const [command, prefix] = claudeCommand(options.cli)
  const child = spawn(
    command,
    [
      ...prefix,
      "-p",
      "--input-format",
      "stream-json",
      "--output-format",
      "stream-json",
      "--verbose",
      // Not --dangerously-skip-permissions: as root it is refused unless IS_SANDBOX=1.
      "--permission-mode",
      "acceptEdits",
      "--allowedTools",
      "Bash,Agent",
      "--model",
      "claude-sonnet-4-5",
      ...(options.args ?? [])
    ],
    { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] }
  )
  const messages: Array<StreamMessage> = []
  let stderr = ""
  let buffered = ""
  let sent = 0
  const sendNext = (): void => {
    const prompt = options.prompts[sent++]
    if (prompt === undefined) return void child.stdin.end()
    child.stdin.write(`${JSON.stringify({ type: "user", message: { role: "user", content: prompt } })}\n`)
  }
  child.stdout.on("data", (d: Buffer) => {
    buffered += d.toString()
    let nl: number
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trim()
      buffered = buffered.slice(nl + 1)
      if (line === "") continue
      try {
        const message = JSON.parse(line) as StreamMessage
        messages.push(message)
        if (message["type"] === "result") sendNext()
      } catch {
        stderr += `[stdout] ${line}\n`
      }
    }
  })
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
  child.stdin.on("error", () => undefined)
  sendNext()
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000)
  const done = new Promise<ClaudeRun>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      const init = messages.find((m) => m["type"] === "system" && typeof m["session_id"] === "string")
      const sessionId = init === undefined ? undefined : String(init["session_id"])
      resolve({ code, signal, messages, stderr, sessionId, durationMs: Date.now() - started })
    })
  })
  return { child, done, kill: () => void (child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")) }
}

/** A temp HOME for one run. */
export const tempHome = (): string => fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "claude-home-")))

/** How to run the CLI: `node cli.js` or the native binary itself. */
export const claudeCommand = (cli: string): readonly [string, ReadonlyArray<string>] =>
  cli.endsWith(".js") ? [process.execPath, [cli]] : [cli, []]

/** What `claude --version` says ("2.1.112 (Claude Code)"). */
export const claudeVersion = (cli: string): string => {
  const [command, prefix] = claudeCommand(cli)
  return spawnSync(command, [...prefix, "--version"], { encoding: "utf8" }).stdout.trim()
}

/** A tool call the demo session makes, and whether it fails. */
export interface DemoToolCall {
  readonly name: string
  readonly input: Readonly<Record<string, unknown>>
  readonly fails: boolean
}

/** A scripted session: the prompts to send, the model's replies, and the tool calls they make. */
export interface DemoSession {
  readonly prompts: ReadonlyArray<string>
  /** The prompts that reach UserPromptSubmit hooks (slash commands do not). */
  readonly userPrompts: ReadonlyArray<string>
  readonly script: ReadonlyArray<ScriptedTurn>
  readonly toolCalls: ReadonlyArray<DemoToolCall>
}

/**
 * Three prompts in one session in `dir`: Write then Read a file; Bash `ls`, a failing Bash and a
 * subagent; then, after an optional `/compact`, a closing text-only exchange.
 */
export const demoSession = (dir: string, options: { readonly compact?: boolean } = {}): DemoSession => {
  const file = path.join(dir, "notes.txt")
  const call = (name: string, input: Readonly<Record<string, unknown>>, fails = false): DemoToolCall => ({ name, input, fails })
  const write = call("Write", { file_path: file, content: "hello from the scripted model\n" })
  const read = call("Read", { file_path: file })
  const ls = call("Bash", { command: "ls", description: "List the project files" })
  const fail = call("Bash", { command: "cat missing.txt", description: "Show missing.txt" }, true)
  const agent = call("Agent", { description: "Summarize notes", prompt: "Summarize notes.txt in one line.", subagent_type: "general-purpose" })
  const turn = (c: DemoToolCall): ScriptedTurn => useTool(c.name, c.input)
  const prompts = {
    first: "Create notes.txt with a greeting, then read it back.",
    second: "List the project files, show missing.txt, and have a subagent summarize notes.txt.",
    last: "Thanks, that is all."
  }
  return {
    prompts: [prompts.first, prompts.second, ...(options.compact === true ? ["/compact"] : []), prompts.last],
    userPrompts: [prompts.first, prompts.second, prompts.last],
    script: [
      turn(write),
      turn(read),
      say("I created notes.txt and read it back."),
      turn(ls),
      turn(fail),
      turn(agent),
      say("Listed the files; missing.txt does not exist; the subagent summarized notes.txt."),
      say("You're welcome.")
    ],
    toolCalls: [write, read, ls, fail, agent]
  }
}
