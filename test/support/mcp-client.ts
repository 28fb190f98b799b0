/**
 * A minimal MCP client over a child process's stdio (newline-delimited JSON-RPC 2.0), for tests:
 * independent of the server's library, so that it checks what goes over the wire.
 */
import { type ChildProcess, spawn } from "node:child_process"

/** A JSON-RPC response. */
export interface RpcResponse {
  readonly id: number
  readonly result?: Record<string, unknown>
  readonly error?: { readonly code: number; readonly message: string }
}

/** A running MCP server process. */
export interface McpPeer {
  readonly child: ChildProcess
  readonly request: (method: string, params?: unknown) => Promise<RpcResponse>
  readonly notify: (method: string, params?: unknown) => void
  readonly stderr: () => string
  /** Closes stdin and resolves with the exit code once the process is gone. */
  readonly close: () => Promise<number | null>
  readonly exited: Promise<number | null>
}

/** Starts `command args...` and speaks MCP with it. */
export const startMcp = (command: string, args: ReadonlyArray<string>, options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }): McpPeer => {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] })
  let stderr = ""
  let buffered = ""
  let nextId = 1
  const waiting = new Map<number, (r: RpcResponse) => void>()
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
  child.stdout.on("data", (d: Buffer) => {
    buffered += d.toString()
    for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
      const line = buffered.slice(0, i).trim()
      buffered = buffered.slice(i + 1)
      if (line === "") continue
      const message = JSON.parse(line) as Record<string, unknown>
      const id = message["id"]
      if (typeof id === "number" && ("result" in message || "error" in message)) {
        waiting.get(id)?.(message as unknown as RpcResponse)
        waiting.delete(id)
      }
    }
  })
  child.stdin.on("error", () => undefined)
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
  const write = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`)
  return {
    child,
    request: (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++
        const timer = setTimeout(() => reject(new Error(`no answer to ${method} in 60 s; stderr: ${stderr}`)), 60_000)
        waiting.set(id, (r) => {
          clearTimeout(timer)
          resolve(r)
        })
        void exited.then((code) => reject(new Error(`the server exited (${code}) before answering ${method}; stderr: ${stderr}`)))
        write({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) })
      }),
    notify: (method, params) => void write({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) }),
    stderr: () => stderr,
    close: () => {
      child.stdin.end()
      return exited
    },
    exited
  }
}

/** `initialize` then `notifications/initialized`, as every client starts. */
export const initialize = async (peer: McpPeer): Promise<RpcResponse> => {
  const reply = await peer.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } })
  peer.notify("notifications/initialized")
  return reply
}
