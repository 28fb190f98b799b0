/**
 * `myco status` on the read path: asks the vault's supervisor over its socket (the one daemon.json
 * names), with the frames of lean/StatusWire.ts, as the full CLI's typed client does. The outcomes
 * the full CLI reports as "not running" are those here too: no daemon.json, or no connection within
 * the same 5 s. Anything else that is not a clean answer (an error reply, a frame it cannot read,
 * a connection lost half-way) is the full CLI's to report.
 */
import type { StatusReplyJson } from "../lean/Documents.js"
import { readDaemonInfo } from "../lean/DaemonInfo.js"
import { HELLO_ID, isHelloReply, readReplyLine, STATUS_ID, statusReplyOf, statusRequestFrames } from "../lean/StatusWire.js"

/** The full CLI's connect timeout for `status` (cli/DaemonCommands.ts). */
const CONNECT_TIMEOUT_MS = 5000

/**
 * How long the answers may take once connected. The full CLI waits without end; past this, the
 * read path leaves the command to it.
 */
const REPLY_TIMEOUT_MS = 10_000

/** The largest reply read: a tree of a thousand live sessions is some 300 KB. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024

/** What the supervisor said, or that none runs, or why the full CLI should ask it. */
export type StatusOutcome =
  | { readonly _tag: "Running"; readonly reply: StatusReplyJson }
  | { readonly _tag: "NotRunning" }
  | { readonly _tag: "Refused"; readonly reason: string }

/** Asks the supervisor of the vault whose `run/` directory is `runDir` for its status. */
export const askStatus = async (runDir: string): Promise<StatusOutcome> => {
  const info = readDaemonInfo(runDir)
  if (info === undefined) return { _tag: "NotRunning" }
  // Loaded here, not with the module: the session commands never open a socket.
  const net = await import("node:net")
  return new Promise((resolve) => {
    const socket = net.connect(info.socket)
    let settled = false
    const settle = (outcome: StatusOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(outcome)
    }
    let timer = setTimeout(() => settle({ _tag: "NotRunning" }), CONNECT_TIMEOUT_MS)
    let connected = false
    // The server may answer the two frames in either order.
    let hello = false
    let status: StatusReplyJson | undefined
    let buffered = ""
    socket.setEncoding("utf8")
    socket.once("connect", () => {
      connected = true
      clearTimeout(timer)
      timer = setTimeout(() => settle({ _tag: "Refused", reason: "no answer in time" }), REPLY_TIMEOUT_MS)
      socket.write(statusRequestFrames())
    })
    // Before the connection, any error means "not running" to the full CLI; after it, the full CLI's to judge.
    socket.on("error", (error) => settle(connected ? { _tag: "Refused", reason: `socket: ${error.message}` } : { _tag: "NotRunning" }))
    socket.on("close", () => settle({ _tag: "Refused", reason: "connection closed" }))
    socket.on("data", (chunk: string) => {
      buffered += chunk
      if (buffered.length > MAX_REPLY_BYTES) return settle({ _tag: "Refused", reason: "reply too large" })
      for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
        const line = readReplyLine(buffered.slice(0, i))
        buffered = buffered.slice(i + 1)
        if (line._tag !== "Ok") return settle({ _tag: "Refused", reason: "an error or unreadable reply" })
        if (line.id === HELLO_ID && !hello && isHelloReply(line.ok)) hello = true
        else if (line.id === STATUS_ID && status === undefined) status = statusReplyOf(line.ok)
        else return settle({ _tag: "Refused", reason: "an unexpected reply" })
        if (line.id === STATUS_ID && status === undefined) return settle({ _tag: "Refused", reason: "a Status reply this myco would not decode" })
        if (hello && status !== undefined) return settle({ _tag: "Running", reply: status })
      }
    })
  })
}
