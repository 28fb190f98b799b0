/**
 * The claude-code runtime: the real Claude Code CLI run headless (`claude -p --output-format
 * stream-json`), with every built-in tool disabled unless the manifest allows it by name, and
 * myco's gateway tools offered as one MCP server (`myco mcp --run <id>`, its token in its
 * environment, declared in a private MCP config file with `--strict-mcp-config` so that no other
 * server is loaded). What it may touch is therefore decided by myco's code: the tools it sees are
 * the run's allowed ones, and every call goes through the gateway in the supervisor, which checks
 * it again. A tool call Claude Code itself refuses (a built-in that is disabled, a tool it was not
 * offered) is recorded on the run as a refused tool too.
 *
 * The run is one process group of its own (Claude Code, its MCP server, whatever they start), in a
 * fresh private temporary directory (its working directory and, unless the manifest passes HOME,
 * its HOME) removed afterwards, with a scrubbed environment (only `env.pass`). The timeout, the
 * output limit (bytes on stdout), the turn limit (`--max-turns`, and counted) and the token limit
 * (counted from the stream) end it by killing the whole group: SIGTERM, then SIGKILL. The answer is
 * what `write_result` stored through the gateway, else the final message parsed as JSON; neither
 * is an AgentError.
 *
 * Process-group handling is written here in the few lines it needs; it belongs with the process
 * runtime's ProcessGroup module once both exist.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Context, Deferred, Duration, Effect, Layer, type Scope } from "effect"
import { AgentError, ConfigError, SystemError, TransientError } from "../../domain/Failure.js"
import { RUN_TOKEN_ENV } from "../Mcp.js"
import type { HarnessManifest } from "../Manifest.js"
import type { HarnessRuntime, ProbeResult, RunContext, RunDiagnostics, RunFailure, RunOutcome } from "../Runtime.js"
import { RunTokens, type RunTokensService } from "../RunTokens.js"
import type { Usage } from "../Task.js"

/** The MCP server's name in Claude Code: its tools are `mcp__myco__<tool>`. */
export const MCP_SERVER_NAME = "myco"
const mcpToolName = (tool: string): string => `mcp__${MCP_SERVER_NAME}__${tool}`

/** Claude Code's built-in tools a manifest may allow by name; those that write are refused under `read_only`. */
export const BUILTIN_TOOLS: ReadonlyMap<string, { readonly writes: boolean }> = new Map([
  ["Read", { writes: false }],
  ["Glob", { writes: false }],
  ["Grep", { writes: false }],
  ["Bash", { writes: true }],
  ["Edit", { writes: true }],
  ["Write", { writes: true }],
  ["NotebookEdit", { writes: true }]
])

/** Bytes of stderr kept for the diagnostics. */
const STDERR_TAIL_BYTES = 4096
/** How long the group has between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000
/** The longest prompt line of the stream kept (one stream-json line is one message). */
const MAX_LINE_BYTES = 8 * 1024 * 1024

/** How the runtime starts `myco mcp`: the same myco that runs the supervisor, unless told otherwise. */
export interface ClaudeCodeOptions {
  /** argv prefix of `myco` (e.g. `[node, /path/to/myco.cjs]`). */
  readonly mycoCommand: ReadonlyArray<string>
  /** The run's tokens (the supervisor's). */
  readonly tokens: RunTokensService
  /** Where `env.pass` takes its values from (the supervisor's environment unless told otherwise). */
  readonly env?: NodeJS.ProcessEnv
}

/** The settings of the claude-code runtime, for the one it registers. */
export class ClaudeCodeSettings extends Context.Tag("myco/harness/ClaudeCodeSettings")<ClaudeCodeSettings, { readonly mycoCommand: ReadonlyArray<string> }>() {}

/** argv of the running myco (`node myco.cjs`), the default way to start `myco mcp`. */
export const currentMycoCommand = (): ReadonlyArray<string> => [process.execPath, ...(process.argv[1] === undefined ? [] : [process.argv[1]])]

/** The binary and the argv prefix that runs it (a `.js` CLI is run with this Node). */
const commandOf = (binary: string): readonly [string, ReadonlyArray<string>] =>
  binary.endsWith(".js") || binary.endsWith(".cjs") || binary.endsWith(".mjs") ? [process.execPath, [binary]] : [binary, []]

const settingsOf = (manifest: HarnessManifest) => manifest["claude-code"] ?? { binary: "claude" }

/** The environment Claude Code gets: only what the manifest passes, plus what runs it offline of the user's setup. */
export const claudeEnvironment = (manifest: HarnessManifest, dir: string, source: NodeJS.ProcessEnv = process.env): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const name of manifest.env.pass) {
    const value = source[name]
    if (value !== undefined) env[name] = value
  }
  env["PATH"] ??= source["PATH"] ?? "/usr/bin:/bin"
  if (!manifest.env.pass.includes("HOME")) {
    // A fresh HOME: no user settings, hooks, MCP servers or memory of the user's are loaded.
    env["HOME"] = dir
    env["CLAUDE_CONFIG_DIR"] = path.join(dir, ".claude")
  }
  env["CLAUDE_CODE_TMPDIR"] = path.join(dir, "tmp")
  const settings = settingsOf(manifest)
  if (settings.base_url !== undefined) env["ANTHROPIC_BASE_URL"] = settings.base_url
  env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1"
  env["DISABLE_AUTOUPDATER"] = "1"
  env["DISABLE_TELEMETRY"] = "1"
  env["DISABLE_ERROR_REPORTING"] = "1"
  return env
}

/** The built-ins the manifest allows (by name), minus the writers under `read_only`. */
export const allowedBuiltins = (manifest: HarnessManifest): ReadonlyArray<string> =>
  manifest.tools.allow.filter((name) => {
    const builtin = BUILTIN_TOOLS.get(name)
    return builtin !== undefined && !(manifest.tools.read_only && builtin.writes)
  })

/** The prompt: the task's instructions, the output's JSON Schema, and how to answer. */
export const promptOf = (context: RunContext): string => {
  const { task } = context
  const tools = context.gateway.tools.map((t) => `- ${mcpToolName(t.name)}: ${t.description}`)
  return [
    task.task.instructions,
    "",
    `The session is ${task.session.id} (${task.session.agent}, ${task.session.status}, ${task.session.eventCount} events).`,
    ...(tools.length > 0 ? ["Tools you may call:", ...tools, ""] : []),
    "Answer with one JSON document and nothing else (no prose, no code fence); it must follow this JSON Schema:",
    JSON.stringify(task.task.outputSchema)
  ].join("\n")
}

/** The final message as JSON: the whole text, else the content of a ```json fence, else its outermost object. */
export const parseAnswer = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  const attempts = [text.trim()]
  const fence = /```(?:json)?\s*\n([\s\S]*?)\n?```/.exec(text)
  if (fence?.[1] !== undefined) attempts.push(fence[1].trim())
  const first = text.indexOf("{")
  const last = text.lastIndexOf("}")
  if (first !== -1 && last > first) attempts.push(text.slice(first, last + 1))
  for (const attempt of attempts) {
    try {
      return { ok: true, value: JSON.parse(attempt) }
    } catch {
      // try the next reading
    }
  }
  return { ok: false }
}

type Json = Readonly<Record<string, unknown>>
const isRecord = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)
const intOf = (u: unknown): number | undefined => (typeof u === "number" && Number.isSafeInteger(u) && u >= 0 ? u : undefined)

/** What the stream said, as it was read. */
interface StreamState {
  turns: number
  inputTokens: number
  outputTokens: number
  readonly seenMessages: Set<string>
  /** The tools Claude Code was given, from its `init` message. */
  offered: ReadonlySet<string> | undefined
  readonly refused: Array<{ tool: string; argumentBytes: number; reason: string }>
  result: Json | undefined
}

/** Reads one stream-json message into the state. */
const observe = (state: StreamState, message: Json): void => {
  if (message["type"] === "system" && message["subtype"] === "init" && Array.isArray(message["tools"])) {
    state.offered = new Set(message["tools"].filter((t): t is string => typeof t === "string"))
  }
  if (message["type"] === "assistant" && isRecord(message["message"])) {
    const m = message["message"]
    const id = typeof m["id"] === "string" ? m["id"] : undefined
    // One model message may come as several lines (one per content block): counted once.
    if (id === undefined || !state.seenMessages.has(id)) {
      if (id !== undefined) state.seenMessages.add(id)
      if (isRecord(m["usage"])) {
        state.inputTokens += (intOf(m["usage"]["input_tokens"]) ?? 0) + (intOf(m["usage"]["cache_read_input_tokens"]) ?? 0) + (intOf(m["usage"]["cache_creation_input_tokens"]) ?? 0)
        state.outputTokens += intOf(m["usage"]["output_tokens"]) ?? 0
      }
      state.turns += 1
    }
    if (Array.isArray(m["content"])) {
      for (const block of m["content"]) {
        if (!isRecord(block) || block["type"] !== "tool_use" || typeof block["name"] !== "string") continue
        const name = block["name"]
        if (state.offered !== undefined && !state.offered.has(name)) {
          state.refused.push({
            tool: name,
            argumentBytes: Buffer.byteLength(JSON.stringify(block["input"] ?? null), "utf8"),
            reason: "not offered to this run: the manifest does not allow it (Claude Code refused the call)"
          })
        }
      }
    }
  }
  if (message["type"] === "result") state.result = message
}

/** Kills the process group of `child`: SIGTERM, then SIGKILL after the grace period, until it is gone. */
const killGroup = (child: ChildProcess, exited: Promise<unknown>): Effect.Effect<void> =>
  Effect.promise(async () => {
    const pgid = child.pid
    if (pgid === undefined) return
    const signal = (s: NodeJS.Signals | 0): boolean => {
      try {
        process.kill(-pgid, s)
        return true
      } catch {
        return false
      }
    }
    if (!signal("SIGTERM")) return
    await Promise.race([exited, new Promise((r) => setTimeout(r, KILL_GRACE_MS))])
    // The leader may be gone while others of its group live on: the whole group gets SIGKILL,
    // until no member is left (kill -0 on the group fails with ESRCH).
    for (let i = 0; i < 100 && signal(0); i++) {
      signal("SIGKILL")
      await new Promise((r) => setTimeout(r, 20))
    }
  })

/** A private temporary directory, removed with the scope. */
const privateTempDir = (prefix: string): Effect.Effect<string, SystemError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
        fs.chmodSync(dir, 0o700)
        fs.mkdirSync(path.join(dir, "tmp"), { mode: 0o700 })
        fs.mkdirSync(path.join(dir, "work"), { mode: 0o700 })
        return dir
      },
      catch: (e) => new SystemError({ operation: "harness.tempdir", message: e instanceof Error ? e.message : String(e), code: isRecord(e) && typeof e["code"] === "string" ? e["code"] : undefined })
    }),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

/** How the process ended, and what was seen. */
interface Ended {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly limit?: RunDiagnostics["limit"]
  readonly spawnError?: NodeJS.ErrnoException
}

/** Makes the runtime. */
export const makeClaudeCode = (options: ClaudeCodeOptions): HarnessRuntime => {
  const probe = (manifest: HarnessManifest): Effect.Effect<ProbeResult> =>
    Effect.async<ProbeResult>((resume) => {
      const settings = settingsOf(manifest)
      const [command, prefix] = commandOf(settings.binary)
      let out = ""
      const child = spawn(command, [...prefix, "--version"], { stdio: ["ignore", "pipe", "ignore"], env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: os.tmpdir() } })
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
      child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(0, 1000)))
      child.on("error", (e) => {
        clearTimeout(timer)
        resume(Effect.succeed({ ok: false, detail: `${settings.binary} cannot be run: ${e.message} (install Claude Code, or set claude-code.binary)` }))
      })
      child.on("close", (code) => {
        clearTimeout(timer)
        resume(
          Effect.succeed(
            code === 0 && out.trim() !== ""
              ? { ok: true, detail: `${settings.binary}: ${out.trim()}` }
              : { ok: false, detail: `${settings.binary} --version exited with ${code}` }
          )
        )
      })
      return Effect.sync(() => child.kill("SIGKILL"))
    })

  const run = (context: RunContext): Effect.Effect<RunOutcome, RunFailure> =>
    Effect.scoped(
      Effect.gen(function* () {
        const { manifest } = context
        const settings = settingsOf(manifest)
        const limits = manifest.limits
        const dir = yield* privateTempDir("myco-claude-")
        const state: StreamState = { turns: 0, inputTokens: 0, outputTokens: 0, seenMessages: new Set(), offered: undefined, refused: [], result: undefined }

        // The gateway as this run's MCP server sees it: refusals recorded on the run.
        const gateway = {
          ...context.gateway,
          call: (tool: string, args: unknown) =>
            context.gateway.call(tool, args).pipe(
              Effect.tapError((e) =>
                e._tag === "ToolRefused" ? Effect.sync(() => state.refused.push({ tool: e.tool, argumentBytes: e.argumentBytes, reason: e.reason })) : Effect.void
              )
            )
        }
        const token = yield* options.tokens.issue(context.runId, gateway)
        const mcpConfig = path.join(dir, "mcp.json")
        yield* Effect.try({
          try: () =>
            fs.writeFileSync(
              mcpConfig,
              JSON.stringify({
                mcpServers: {
                  [MCP_SERVER_NAME]: {
                    type: "stdio",
                    command: options.mycoCommand[0] ?? "myco",
                    args: [...options.mycoCommand.slice(1), "mcp", "--run", context.runId, "--vault", context.projectRoot],
                    env: { [RUN_TOKEN_ENV]: token }
                  }
                }
              }),
              { mode: 0o600, flag: "wx" }
            ),
          catch: (e) => new SystemError({ operation: "harness.mcp-config", message: e instanceof Error ? e.message : String(e) })
        })

        const builtins = allowedBuiltins(manifest)
        const allowed = [...builtins, ...context.gateway.tools.map((t) => mcpToolName(t.name))]
        const [command, prefix] = commandOf(settings.binary)
        const args = [
          ...prefix,
          "-p",
          "--output-format",
          "stream-json",
          "--verbose",
          "--no-session-persistence",
          "--setting-sources",
          "",
          "--strict-mcp-config",
          "--mcp-config",
          mcpConfig,
          // The built-in tools it has at all: none unless the manifest names them.
          "--tools",
          builtins.join(","),
          // What it may use without asking (nobody is there to ask): exactly the allowed tools.
          ...(allowed.length > 0 ? ["--allowedTools", allowed.join(",")] : []),
          "--permission-mode",
          "dontAsk",
          "--max-turns",
          String(limits.turns),
          ...(settings.model === undefined ? [] : ["--model", settings.model])
        ]

        const done = yield* Deferred.make<Ended>()
        let stdoutBytes = 0
        let stderrTail = ""
        let buffered = ""
        const child = spawn(command, args, {
          cwd: path.join(dir, "work"),
          env: claudeEnvironment(manifest, dir, options.env ?? process.env),
          detached: true,
          stdio: ["pipe", "pipe", "pipe"]
        })
        const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.on("close", (code, signal) => resolve({ code, signal }))
        )
        const finish = (ended: Ended) => Effect.runSync(Deferred.succeed(done, ended))
        let limitHit: RunDiagnostics["limit"] | undefined
        const hit = (limit: NonNullable<RunDiagnostics["limit"]>) => {
          if (limitHit !== undefined) return
          limitHit = limit
          try {
            if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM")
          } catch {
            // already gone
          }
        }
        child.on("error", (e) => finish({ code: null, signal: null, spawnError: e }))
        void exited.then(({ code, signal }) => finish({ code, signal, ...(limitHit === undefined ? {} : { limit: limitHit }) }))
        child.stdin.on("error", () => undefined)
        child.stdin.end(promptOf(context))
        child.stderr.on("data", (d: Buffer) => (stderrTail = (stderrTail + d.toString("utf8")).slice(-STDERR_TAIL_BYTES)))
        child.stdout.on("data", (d: Buffer) => {
          stdoutBytes += d.length
          if (stdoutBytes > limits.output) return hit("output")
          buffered += d.toString("utf8")
          if (buffered.length > MAX_LINE_BYTES) return hit("output")
          for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
            const line = buffered.slice(0, i).trim()
            buffered = buffered.slice(i + 1)
            if (line === "") continue
            let message: unknown
            try {
              message = JSON.parse(line)
            } catch {
              continue
            }
            if (!isRecord(message)) continue
            observe(state, message)
            if (state.turns > limits.turns) hit("turns")
            if (limits.tokens > 0 && state.inputTokens + state.outputTokens > limits.tokens) hit("tokens")
          }
        })
        // Whatever happens (success, failure, interruption), the whole group is ended.
        yield* Effect.addFinalizer(() => killGroup(child, exited))

        const ended: Ended = yield* Deferred.await(done).pipe(
          Effect.timeoutTo({
            duration: Duration.millis(limits.timeout),
            onTimeout: (): Ended => ({ code: null, signal: null, limit: "timeout" }),
            onSuccess: (e): Ended => e
          })
        )
        const usage: Usage = { turns: state.turns, inputTokens: state.inputTokens, outputTokens: state.outputTokens }
        const diagnostics: RunDiagnostics = {
          ...(ended.code === null ? {} : { exitCode: ended.code }),
          ...(ended.signal === null ? {} : { signal: ended.signal }),
          ...(stderrTail === "" ? {} : { stderrTail }),
          ...(ended.limit === undefined ? {} : { limit: ended.limit }),
          outputBytes: stdoutBytes,
          usage,
          ...(state.refused.length === 0 ? {} : { refusedTools: state.refused })
        }
        yield* context.diagnose(diagnostics)
        const agentError = (message: string, limit?: string) =>
          new AgentError({
            actor: manifest.name,
            message,
            ...(ended.code === null ? {} : { exitCode: ended.code }),
            ...(stderrTail === "" ? {} : { stderrTail }),
            ...(limit === undefined ? {} : { limit })
          })

        if (ended.spawnError !== undefined) {
          return yield* ended.spawnError.code === "ENOENT" || ended.spawnError.code === "EACCES"
            ? new ConfigError({
                message: `harness ${manifest.name}: Claude Code (${settings.binary}) cannot be run: ${ended.spawnError.message}`,
                hint: "install Claude Code (npm install -g @anthropic-ai/claude-code), or set claude-code.binary to its path",
                fix: `myco harness check ${manifest.name}`,
                path: manifest.source
              })
            : new SystemError({ operation: "harness.spawn", message: ended.spawnError.message, ...(ended.spawnError.code === undefined ? {} : { code: ended.spawnError.code }) })
        }
        if (ended.limit === "timeout") return yield* agentError(`timed out after ${limits.timeout} ms`, "time")
        if (ended.limit !== undefined) return yield* agentError(`went over its ${ended.limit} limit`, ended.limit)

        const result = state.result
        if (result === undefined) return yield* agentError(`Claude Code ended (${ended.code ?? ended.signal}) without a result`)
        if (result["subtype"] === "error_max_turns") return yield* agentError(`used up its ${limits.turns} turns`, "turns")
        if (result["is_error"] === true) {
          const text = typeof result["result"] === "string" ? result["result"] : String(result["subtype"])
          const status = intOf(result["api_error_status"])
          if (status === 429 || (status !== undefined && status >= 500) || /connection|ECONNREFUSED|overloaded|rate.?limit/i.test(text)) {
            return yield* new TransientError({ operation: "harness.claude-code", message: text.slice(0, 500), ...(status === undefined ? {} : { code: String(status) }) })
          }
          if (status === 401 || status === 403 || /api key|authenticat|log ?in/i.test(text)) {
            return yield* new ConfigError({
              message: `harness ${manifest.name}: Claude Code cannot authenticate: ${text.slice(0, 300)}`,
              hint: "pass the API key's variable in env.pass (e.g. ANTHROPIC_API_KEY), or HOME for a logged-in Claude Code",
              fix: `myco harness check ${manifest.name}`,
              path: manifest.source
            })
          }
          return yield* agentError(`Claude Code failed: ${text.slice(0, 500)}`)
        }
        const written = yield* context.gateway.writtenResult
        if (written !== undefined) return { output: written, usage }
        const text = typeof result["result"] === "string" ? result["result"] : ""
        const answer = parseAnswer(text)
        if (!answer.ok) return yield* agentError(`its answer is not JSON: ${JSON.stringify(text.slice(0, 200))}`)
        return { output: answer.value, usage }
      })
    )

  return { kind: "claude-code", probe, run }
}

/** The claude-code runtime of this process. */
export class ClaudeCodeRuntime extends Context.Tag("myco/harness/ClaudeCodeRuntime")<ClaudeCodeRuntime, HarnessRuntime>() {}

/** The runtime, with the supervisor's run tokens; `myco mcp` is started as the running myco unless settings say otherwise. */
export const layerClaudeCode: Layer.Layer<ClaudeCodeRuntime, never, RunTokens> = Layer.effect(
  ClaudeCodeRuntime,
  Effect.gen(function* () {
    const tokens = yield* RunTokens
    const settings = yield* Effect.serviceOption(ClaudeCodeSettings)
    const mycoCommand = settings._tag === "Some" ? settings.value.mycoCommand : currentMycoCommand()
    return makeClaudeCode({ tokens, mycoCommand })
  })
)
