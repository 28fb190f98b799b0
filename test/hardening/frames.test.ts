/**
 * The supervisor under hostile clients, on the real binary: frames nested deep at every depth
 * past the limit are refused with a typed error before they are decoded (and never crash it or
 * stall its writer), connections past the cap are refused alone, and bytes held in unfinished
 * frames across connections are capped: the connection that would pass the cap is refused and
 * closed, never the others. After each attack, a normal client is still served.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { PROTOCOL_VERSION } from "../../src/protocol/Protocol.js"
import { myco, tempProject, type TempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"
import { wirePeer } from "../support/wire.js"

let project: TempProject
let daemon: RunningDaemon

const capture = (idempotencyId: string, sessionId: string, payload: unknown) => ({
  _tag: "Capture",
  events: [{ idempotencyId, sessionId, kind: "note", at: new Date().toISOString(), payload }]
})

/** A healthy client still gets a hello and a committed capture. */
const stillServes = async (label: string) => {
  const peer = await wirePeer(daemon.socket)
  try {
    peer.send({ id: 1, request: { _tag: "Hello", protocol: PROTOCOL_VERSION, client: "test" } })
    expect(await peer.next(1), label).toMatchObject({ ok: { protocol: PROTOCOL_VERSION } })
    peer.send({ id: 2, request: capture(`ok-${label.replace(/[^A-Za-z0-9]/g, "-")}-${Date.now()}`, "s-frames", { fine: true }) })
    const reply = await peer.next(2)
    expect(reply, `${label}: ${JSON.stringify(reply)}`).toMatchObject({ ok: [{ duplicate: false }] })
  } finally {
    peer.close()
  }
}

/** Resolves when the socket is closed by the server, with what it sent before. */
const closedBy = (socket: net.Socket): Promise<string> =>
  new Promise((resolve) => {
    let got = ""
    socket.setEncoding("utf8")
    socket.on("data", (d: string) => (got += d))
    socket.on("error", () => undefined)
    socket.once("close", () => resolve(got))
  })

beforeAll(async () => {
  project = tempProject("myco-frames-")
  myco(["init"], { cwd: project.dir, env: project.env })
  // Small caps, so that the test needs little memory to reach them.
  const config = path.join(project.dir, ".myco", "myco.yaml")
  fs.appendFileSync(config, "")
  const text = fs.readFileSync(config, "utf8")
  fs.writeFileSync(
    config,
    text
      .replace(/^ {2}max_connections: \d+$/m, "  max_connections: 16")
      .replace(/^ {2}max_buffered_bytes: \d+$/m, "  max_buffered_bytes: 2097152")
      .replace(/^ {2}max_frame_bytes: \d+$/m, "  max_frame_bytes: 1048576")
  )
  myco(["session", "create", "--id", "s-frames"], { cwd: project.dir, env: project.env })
  daemon = await startDaemon(project)
})

afterAll(async () => {
  daemon.child.kill("SIGTERM")
  await daemon.exited
  project.cleanup()
})

describe("frames nested too deep", () => {
  it("are refused with FrameTooDeep at every depth past the limit, as bare brackets or inside a capture's payload", async () => {
    const peer = await wirePeer(daemon.socket)
    try {
      for (const depth of [129, 500, 2500, 10_000, 100_000]) {
        peer.send(`${"[".repeat(depth)}${"]".repeat(depth)}\n`)
        expect(await peer.next(null), `brackets ${depth}`).toMatchObject({ error: { _tag: "FrameTooDeep", limit: 128 } })
        // Built as text: JSON.stringify of the object itself would overflow the test's own stack.
        const payload = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`
        const frame = JSON.stringify({ id: 7, request: capture(`deep-${depth}`, "s-frames", "PAYLOAD") }).replace('"PAYLOAD"', payload)
        peer.send(`${frame}\n`)
        expect(await peer.next(null), `capture ${depth}`).toMatchObject({ error: { _tag: "FrameTooDeep" } })
      }
    } finally {
      peer.close()
    }
    await stillServes("after deep frames")
    // The writer was never stalled: nothing deep was stored, and the process is alive.
    expect(daemon.child.exitCode).toBeNull()
  })
})

describe("memory under hostile clients", () => {
  it("refuses the connections past max_connections alone", async () => {
    const held: Array<net.Socket> = []
    try {
      for (let i = 0; i < 16; i++) {
        const s = net.connect(daemon.socket)
        s.on("error", () => undefined)
        await new Promise((resolve) => s.once("connect", resolve))
        held.push(s)
      }
      // Give the server time to register them.
      await new Promise((resolve) => setTimeout(resolve, 200))
      const extra = net.connect(daemon.socket)
      const said = await closedBy(extra)
      expect(said).toContain('"Overloaded"')
    } finally {
      for (const s of held) s.destroy()
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    await stillServes("after the connection cap")
  })

  it("refuses and closes the connection whose unfinished frame would pass max_buffered_bytes, never the others", async () => {
    const first = net.connect(daemon.socket)
    first.on("error", () => undefined)
    await new Promise((resolve) => first.once("connect", resolve))
    let firstClosed = false
    first.once("close", () => (firstClosed = true))
    // One connection holds an unfinished frame of 900 KiB (under the 1 MiB frame limit); two more
    // each try to hold as much, which together pass the 2 MiB cap: one of them is refused.
    first.write(`{"id":1,"request":{"_tag":"Hello","protocol":${PROTOCOL_VERSION},"client":"${"x".repeat(900 * 1024)}`)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const second = net.connect(daemon.socket)
    second.on("error", () => undefined)
    await new Promise((resolve) => second.once("connect", resolve))
    const secondSaid = closedBy(second)
    const third = net.connect(daemon.socket)
    third.on("error", () => undefined)
    await new Promise((resolve) => third.once("connect", resolve))
    const thirdSaid = closedBy(third)
    second.write(`{"id":1,"request":{"_tag":"Hello","protocol":${PROTOCOL_VERSION},"client":"${"y".repeat(900 * 1024)}`)
    third.write(`{"id":1,"request":{"_tag":"Hello","protocol":${PROTOCOL_VERSION},"client":"${"z".repeat(900 * 1024)}`)
    const refused = await Promise.race([secondSaid, thirdSaid])
    expect(refused).toContain('"Overloaded"')
    // The first connection was not closed, and can finish its frame.
    expect(firstClosed).toBe(false)
    const answered = new Promise<string>((resolve) => {
      let got = ""
      first.setEncoding("utf8")
      first.on("data", (d: string) => {
        got += d
        if (got.includes("\n")) resolve(got)
      })
    })
    first.write('"}}\n')
    expect(await answered).toContain('"ok"')
    first.destroy()
    second.destroy()
    third.destroy()
    await stillServes("after the buffer cap")
  })
})
