/**
 * `myco-hook <event> --agent <name> [--vault DIR] [payload]`: the command agents run for each hook
 * event (budgets in docs/operations.md: it must cost about as much as starting Node, no more).
 *
 * It reads the agent's payload, sends it to the supervisor as one `HookEvent` frame over the
 * vault's socket and waits for the acknowledgement (sent once the event is committed). When the
 * supervisor is not running, does not answer in time or refuses the frame, the event goes to the
 * vault's spool instead, and a supervisor is started if none runs. When the spool cannot take it
 * (a full disk, a spool that is refused) it goes to the spool's reserve, the fallback spool, or,
 * when nothing can take it, it is counted as lost (hook/Fallbacks.ts), with one line on stderr.
 * Then it prints what the agent expects and exits 0: whatever happens, the hook never blocks or
 * fails the agent. When no vault can be found it gives up on the event, and says why on stderr.
 *
 * It loads no Effect, CLI or supervisor code: only Node's modules and the small ones beside it.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { replyFor } from "../agents/replies.js"
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_FRAME_DEPTH, readDaemonInfo } from "../lean/DaemonInfo.js"
import { AGENT_NAME_PATTERN, MAX_EVENT_NAME_LENGTH } from "../lean/Names.js"
import { preferredSocketPath } from "../lean/SocketPath.js"
import { locateVault, VAULT_ENV } from "../lean/VaultLocation.js"
import { parseInput, readStdin, type ReadInput } from "./Input.js"
import { spoolEvent } from "../lean/Spool.js"
import { encodeHookFrame, type HookEventWire, readReply } from "../lean/HookWire.js"

/** When this process started: the order in which the agent emitted its hook events. */
const startedAtMs = Math.floor(performance.timeOrigin)

/** How long to wait for the supervisor's acknowledgement before spooling. */
const DEFAULT_TIMEOUT_MS = 1500
/** A supervisor start asked for less than this long ago is not asked for again. */
const AUTOSTART_BACKOFF_MS = 10_000


/** The signals by which an agent ends a hook it no longer waits for. */
const TERMINATING_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const

/**
 * A fresh idempotency id: time, pid and 104 random bits. Not a UUID from node:crypto, whose
 * loading alone costs the hook more than a millisecond.
 */
const newIdempotencyId = (): string =>
  `${Date.now().toString(36)}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 12)}${Math.random().toString(36).slice(2, 12)}`

/**
 * Where the supervisor listens and how large a frame it takes: daemon.json when a supervisor
 * recorded one, else `run/myco.sock` and the default limit (a supervisor still starting, or none).
 */
const supervisorOf = (vaultDir: string): { readonly socket: string | undefined; readonly maxFrameBytes: number; readonly maxFrameDepth: number } => {
  const info = readDaemonInfo(path.join(vaultDir, "run"))
  if (info !== undefined) return { socket: info.socket, maxFrameBytes: info.maxFrameBytes, maxFrameDepth: info.maxFrameDepth }
  return { socket: preferredSocketPath(vaultDir), maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, maxFrameDepth: DEFAULT_MAX_FRAME_DEPTH }
}

interface Args {
  readonly event: string
  readonly agent: string
  readonly vault: string | undefined
  readonly payload: string | undefined
  readonly problems: ReadonlyArray<string>
}

/** Parses `<event> --agent <name> [--vault DIR] [payload]`, in any order; never fails. */
export const parseArgs = (argv: ReadonlyArray<string>): Args => {
  const positional: Array<string> = []
  const problems: Array<string> = []
  let agent: string | undefined
  let vault: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    const eq = arg.indexOf("=")
    const [name, inline] = arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined]
    if (name === "--agent" || name === "--vault") {
      const value = inline ?? argv[++i]
      if (name === "--agent") agent = value
      else vault = value
    } else {
      positional.push(arg)
    }
  }
  const event = positional[0] ?? ""
  if (event === "" || event.length > MAX_EVENT_NAME_LENGTH) problems.push("missing or overlong <event> argument")
  if (agent === undefined || !AGENT_NAME_PATTERN.test(agent)) problems.push("missing or invalid --agent <name>")
  return {
    event: event === "" || event.length > MAX_EVENT_NAME_LENGTH ? "unspecified" : event,
    agent: agent !== undefined && AGENT_NAME_PATTERN.test(agent) ? agent : "unknown",
    vault,
    payload: positional[1],
    problems
  }
}

/** The vault, found as the CLI finds it (lean/VaultLocation.ts), or why there is none. */
export const findVault = (flag: string | undefined, cwd: string, env: NodeJS.ProcessEnv): { readonly dir: string } | { readonly problem: string } => {
  const located = locateVault({ flag, cwd, env: env[VAULT_ENV] })
  switch (located._tag) {
    case "Found":
      return { dir: located.dir }
    case "NoVaultAt":
      return { problem: `no vault at ${located.dir} (from ${located.source})` }
    case "NoVault":
      return { problem: `no vault above ${located.cwd} and ${VAULT_ENV} is not set: run \`myco init\` in the project` }
  }
}

type Delivery = { readonly _tag: "Acked" } | { readonly _tag: "Spool"; readonly reason: string; readonly supervisorDown: boolean }

/**
 * Why the socket at `socketPath` must not be sent to, if it must not: it has to be a socket owned
 * by the vault's owner (a listener planted by another user in a shared temp directory would
 * receive the event, secrets and all). Missing is not a refusal: no supervisor runs.
 */
const untrustedSocket = (socketPath: string, vaultDir: string): string | undefined => {
  let socket: fs.Stats
  try {
    socket = fs.lstatSync(socketPath)
  } catch {
    // Not there: connecting fails as "no supervisor is running".
    return undefined
  }
  const owner = fs.statSync(vaultDir).uid
  if (!socket.isSocket()) return `${socketPath} is not a socket`
  if (socket.uid !== owner) return `${socketPath} belongs to uid ${socket.uid}, not to the vault's owner (uid ${owner})`
  return undefined
}

/** Sends one frame and waits for its acknowledgement, at most `timeoutMs`. */
const deliver = (socketPath: string | undefined, vaultDir: string, frame: string, timeoutMs: number): Promise<Delivery> =>
  new Promise((resolve) => {
    if (socketPath === undefined) return resolve({ _tag: "Spool", reason: "no supervisor is running", supervisorDown: true })
    const untrusted = untrustedSocket(socketPath, vaultDir)
    if (untrusted !== undefined) return resolve({ _tag: "Spool", reason: `not sent: ${untrusted}`, supervisorDown: false })
    let settled = false
    let buffered = ""
    const socket = net.createConnection(socketPath)
    const settle = (delivery: Delivery) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(delivery)
    }
    const timer = setTimeout(() => settle({ _tag: "Spool", reason: `no acknowledgement within ${timeoutMs} ms`, supervisorDown: false }), timeoutMs)
    socket.setEncoding("utf8")
    socket.once("connect", () => socket.write(frame))
    socket.on("data", (chunk: string) => {
      buffered += chunk
      for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
        const reply = readReply(buffered.slice(0, nl))
        buffered = buffered.slice(nl + 1)
        if (reply?._tag === "Acked") return settle(reply)
        if (reply?._tag === "Refused") return settle({ _tag: "Spool", reason: `refused: ${reply.reason}`, supervisorDown: false })
      }
    })
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const down = error.code === "ENOENT" || error.code === "ECONNREFUSED"
      settle({ _tag: "Spool", reason: down ? "no supervisor is running" : `socket error: ${error.code ?? error.message}`, supervisorDown: down })
    })
    socket.once("close", () => settle({ _tag: "Spool", reason: "the supervisor closed the connection", supervisorDown: false }))
  })

/**
 * Starts `myco run` for the vault, detached, unless a start was asked for a moment ago. Two hooks
 * may both start one: the vault lock lets exactly one serve. The hook does not wait for it.
 */
const startSupervisor = async (vaultDir: string): Promise<void> => {
  if (process.env["MYCO_HOOK_AUTOSTART"] === "0") return
  const myco = path.join(__dirname, "myco.cjs")
  if (!fs.existsSync(myco)) return
  const runDir = path.join(vaultDir, "run")
  const marker = path.join(runDir, "autostart")
  try {
    if (Date.now() - fs.statSync(marker).mtimeMs < AUTOSTART_BACKOFF_MS) return
  } catch {
    // No marker: no start was asked for.
  }
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 })
  // Touching the marker needs no room on the disk (a full one included); writing it, only once.
  const now = new Date()
  try {
    fs.utimesSync(marker, now, now)
  } catch {
    fs.writeFileSync(marker, `${process.pid}\n`)
  }
  const logs = path.join(vaultDir, "logs")
  fs.mkdirSync(logs, { recursive: true })
  const log = fs.openSync(path.join(logs, "autostart.log"), "a")
  // Loaded here only: the hook's usual path does not pay for it.
  const { spawn } = await import("node:child_process")
  const child = spawn(process.execPath, [myco, "run", "--vault", vaultDir], {
    detached: true,
    stdio: ["ignore", log, log],
    cwd: path.dirname(vaultDir)
  })
  child.unref()
  fs.closeSync(log)
}

/** Writes a diagnostic on stderr (never stdout: the agent reads that). */
export const warn = (message: string): void => {
  process.stderr.write(`myco-hook: ${message}\n`)
}

/** Runs the hook for `argv` (without node and script). Resolves when the agent's reply is written. */
export const runHook = async (argv: ReadonlyArray<string>): Promise<void> => {
  const args = parseArgs(argv)
  for (const problem of args.problems) warn(problem)
  const vault = findVault(args.vault, process.cwd(), process.env)
  const supervisor = "dir" in vault ? supervisorOf(vault.dir) : { socket: undefined, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, maxFrameDepth: DEFAULT_MAX_FRAME_DEPTH }
  // The payload sits two levels inside the frame ({id, request: {..., payload}}).
  const maxPayloadDepth = Math.max(1, supervisor.maxFrameDepth - 2)
  // Read to the end even when there is no vault: the agent must never see a broken pipe.
  const read: ReadInput =
    args.payload !== undefined
      ? parseInput(Buffer.from(args.payload, "utf8"), Buffer.byteLength(args.payload, "utf8"), "argv", maxPayloadDepth)
      : await readStdin(maxPayloadDepth)
  const reply = replyFor(args.agent, args.event)
  if ("problem" in vault) {
    warn(`event not recorded: ${vault.problem}`)
    process.stdout.write(reply)
    return
  }
  const idempotencyId = newIdempotencyId()
  const event: HookEventWire = {
    _tag: "HookEvent",
    idempotencyId,
    agent: args.agent,
    event: args.event,
    at: new Date(startedAtMs).toISOString(),
    cwd: process.cwd(),
    input: read.input,
    payload: read.payload
  }
  const frame = encodeHookFrame(event)
  /**
   * Spools the event with its secrets redacted first: nothing unredacted is ever written to disk.
   * (Sent live, it goes over the vault owner's private socket to the supervisor, which redacts
   * before it stores.) The redaction rules are loaded only here, off the usual path.
   */
  const spool = async () => {
    try {
      const { redactPayload, redactSecrets } = await import("../lean/Boundary.js")
      const redacted: HookEventWire = {
        ...event,
        input: event.input.head === undefined ? event.input : { ...event.input, head: redactSecrets(event.input.head).text },
        payload: redactPayload(event.payload).payload
      }
      const json = JSON.stringify(redacted)
      try {
        spoolEvent(path.join(vault.dir, "spool"), startedAtMs, idempotencyId, json)
      } catch (firstError) {
        // Full, or refused: the reserve, the fallback spool, or at least a count (hook/Fallbacks.ts).
        const { keepElsewhere } = await import("./Fallbacks.js")
        warn(keepElsewhere({ vaultDir: vault.dir, atMs: startedAtMs, idempotencyId, agent: args.agent, event: args.event, json, firstError, env: process.env }).message)
      }
    } catch (error) {
      warn(`event not recorded: cannot prepare it for the spool of ${vault.dir}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  // An agent that gives up on the hook (its timeout, its own exit) terminates it: the event is
  // spooled before going, whether or not the supervisor had it already (a replay is harmless).
  const onSignal = () => {
    void spool().finally(() => process.exit(0))
  }
  for (const signal of TERMINATING_SIGNALS) process.once(signal, onSignal)
  const timeout = Number(process.env["MYCO_HOOK_TIMEOUT_MS"] ?? DEFAULT_TIMEOUT_MS)
  const delivery: Delivery =
    Buffer.byteLength(frame) > supervisor.maxFrameBytes
      ? { _tag: "Spool", reason: "too large for one frame", supervisorDown: false }
      : await deliver(supervisor.socket, vault.dir, frame, Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUT_MS)
  if (delivery._tag === "Spool") {
    await spool()
    if (delivery.supervisorDown) {
      try {
        await startSupervisor(vault.dir)
      } catch (error) {
        warn(`cannot start the supervisor: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
  }
  for (const signal of TERMINATING_SIGNALS) process.off(signal, onSignal)
  process.stdout.write(reply)
}
