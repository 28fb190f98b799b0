import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { myco, tempProject, type TempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"
import { wirePeer } from "../support/wire.js"
import { PROTOCOL_VERSION } from "../../src/protocol/Protocol.js"

let project: TempProject
let daemon: RunningDaemon
beforeAll(async () => {
  project = tempProject("myco-proto-")
  expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
  expect(myco(["session", "create", "--id", "p1"], { cwd: project.dir, env: project.env }).status).toBe(0)
  daemon = await startDaemon(project)
})
afterAll(async () => {
  daemon.child.kill("SIGTERM")
  await daemon.exited
  project.cleanup()
})

const event = (id: string, session = "p1") => ({
  idempotencyId: id,
  sessionId: session,
  kind: "prompt",
  at: new Date().toISOString(),
  payload: { text: `hello ${id}` }
})

/** Resident memory of a process, in KiB (Linux). */
const rssKiB = (pid: number | undefined): number =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN)

/** A deterministic generator, so that a failure can be replayed. */
const random = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}

describe("the wire protocol", () => {
  it("answers a hello, then requests by id; captures are acknowledged with their place, duplicates once", async () => {
    const peer = await wirePeer(daemon.socket)
    peer.send({ id: 1, request: { _tag: "Hello", protocol: PROTOCOL_VERSION, client: "test" } })
    expect(await peer.next(1)).toMatchObject({ id: 1, ok: { protocol: PROTOCOL_VERSION, pid: daemon.child.pid } })
    peer.send({ id: 2, request: { _tag: "Capture", events: [event("w-1"), event("w-2")] } })
    expect(await peer.next(2)).toMatchObject({ ok: [{ seq: 1, duplicate: false }, { seq: 2, duplicate: false }] })
    peer.send({ id: 3, request: { _tag: "Capture", events: [event("w-2"), event("w-3")] } })
    expect(await peer.next(3)).toMatchObject({ ok: [{ seq: 2, duplicate: true }, { seq: 3, duplicate: false }] })
    peer.send({ id: 4, request: { _tag: "Capture", events: [event("w-4", "ghost")] } })
    expect(await peer.next(4)).toMatchObject({ error: { _tag: "SessionNotFound", sessionId: "ghost" } })
    peer.send({ id: 5, request: { _tag: "Hello", protocol: 99, client: "test" } })
    expect(await peer.next(5)).toMatchObject({ error: { _tag: "UnsupportedProtocol", server: PROTOCOL_VERSION, client: 99 } })
    peer.close()
  })

  it("every bad frame gets a typed error and the connection goes on", async () => {
    const peer = await wirePeer(daemon.socket)
    peer.send("this is not json\n")
    expect(await peer.next(null)).toMatchObject({ error: { _tag: "BadFrame" } })
    peer.send({ id: 7, request: { _tag: "NoSuchRequest" } })
    expect(await peer.next(7)).toMatchObject({ error: { _tag: "BadFrame" } })
    peer.send({ id: 8, request: { _tag: "SessionGet", id: "../etc/passwd" } })
    expect(await peer.next(8)).toMatchObject({ error: { _tag: "BadFrame" } })
    peer.send({ id: 9, request: { _tag: "Capture", events: [] } })
    expect(await peer.next(9)).toMatchObject({ error: { _tag: "BadFrame" } })
    // 9 MiB without a newline: larger than the 8 MiB limit, discarded up to its newline.
    peer.send(Buffer.alloc(9 * 1024 * 1024, 0x61))
    peer.send("\n")
    expect(await peer.next(null)).toMatchObject({ error: { _tag: "FrameTooLarge", limit: 8 * 1024 * 1024 } })
    peer.send({ id: 10, request: { _tag: "SessionGet", id: "p1" } })
    expect(await peer.next(10)).toMatchObject({ ok: { id: "p1", status: "active" } })
    peer.close()
  })

  it("survives thousands of random, truncated, huge and wrongly shaped frames from many connections, without growing", async () => {
    const rssBefore = rssKiB(daemon.child.pid)
    const next = random(42)
    const shapes: Array<() => string | Buffer> = [
      () => Buffer.from(Array.from({ length: Math.floor(next() * 512) }, () => Math.floor(next() * 256))),
      () => `${JSON.stringify({ id: 1, request: { _tag: "Capture", events: [event("f")] } }).slice(0, Math.floor(next() * 60))}\n`,
      () => `${JSON.stringify({ id: "x", request: 5 })}\n`,
      () => `${JSON.stringify({ id: 3, request: { _tag: "SessionList", limit: -4 } })}\n`,
      () => `${JSON.stringify({ id: 4, request: { _tag: "SessionTransition", id: "p1", command: "explode" } })}\n`,
      () => `${"[".repeat(5000)}\n`,
      () => `${JSON.stringify({ id: 5, request: { _tag: "Capture", events: [{ ...event("g"), at: "yesterday" }] } })}\n`,
      () => "\n\n\n",
      () => `${"{".repeat(10)}"a":${"1".repeat(100_000)}\n`
    ]
    const connections = 40
    const framesPerConnection = 100
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const peer = await wirePeer(daemon.socket)
        for (let i = 0; i < framesPerConnection; i++) {
          const shape = shapes[Math.floor(next() * shapes.length)]
          if (shape !== undefined) peer.send(shape())
        }
        // Half the peers hang up mid-stream, the others end cleanly after a final valid request.
        if (next() < 0.5) {
          peer.send(`{"id": 99, "request": {"_tag": "SessionGe`)
          peer.close()
          return
        }
        peer.send("\n")
        peer.send({ id: 1000, request: { _tag: "SessionGet", id: "p1" } })
        expect(await peer.next(1000)).toMatchObject({ ok: { id: "p1" } })
        peer.close()
      })
    )
    const peer = await wirePeer(daemon.socket)
    peer.send({ id: 1, request: { _tag: "Status" } })
    const status = await peer.next(1)
    peer.close()
    expect(status).toMatchObject({ ok: { pid: daemon.child.pid } })
    // Memory: the storm (about 4,000 frames, some of them megabytes) leaves no lasting growth
    // beyond a bound; the frame buffers were dropped.
    const rssAfter = rssKiB(daemon.child.pid)
    expect(rssAfter - rssBefore).toBeLessThan(150 * 1024)
  })
})
