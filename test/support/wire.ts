/**
 * A raw NDJSON peer of the supervisor's socket for tests and benchmarks: send frames (or any
 * bytes), read reply frames. Deliberately independent of the production client.
 */
import * as net from "node:net"

/** A connection that collects reply frames. */
export interface WirePeer {
  readonly socket: net.Socket
  /** Sends one frame (an object is JSON-encoded; a string or Buffer is sent as is). */
  readonly send: (frame: unknown) => void
  /** Resolves with the next reply frame whose id is `id` (or any id when undefined). */
  readonly next: (id?: number | null) => Promise<Record<string, unknown>>
  readonly close: () => void
}

/** Connects to `socket`. */
export const wirePeer = (socketPath: string): Promise<WirePeer> =>
  new Promise((resolve, reject) => {
    const socket = net.connect(socketPath)
    const frames: Array<Record<string, unknown>> = []
    const waiters: Array<{ id: number | null | undefined; resolve: (f: Record<string, unknown>) => void }> = []
    let buffered = ""
    const deliver = () => {
      for (let w = 0; w < waiters.length; w++) {
        const waiter = waiters[w]
        if (waiter === undefined) continue
        const index = frames.findIndex((f) => waiter.id === undefined || f["id"] === waiter.id)
        if (index >= 0) {
          const [frame] = frames.splice(index, 1)
          waiters.splice(w, 1)
          w--
          if (frame !== undefined) waiter.resolve(frame)
        }
      }
    }
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      buffered += chunk
      for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
        frames.push(JSON.parse(buffered.slice(0, i)))
        buffered = buffered.slice(i + 1)
      }
      deliver()
    })
    socket.once("error", reject)
    socket.once("connect", () =>
      resolve({
        socket,
        send: (frame) => socket.write(typeof frame === "string" || Buffer.isBuffer(frame) ? frame : `${JSON.stringify(frame)}\n`),
        next: (id) =>
          new Promise((res) => {
            waiters.push({ id, resolve: res })
            deliver()
          }),
        close: () => socket.destroy()
      })
    )
  })
