/**
 * The read path's frames to the supervisor are requests the protocol's schema decodes, and its
 * check of the Status reply takes what the client's schema takes and prints what the full CLI
 * prints from it, key order included.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck, Schema } from "effect"
import { isHelloReply, readReplyLine, statusReplyOf, statusRequestFrames } from "../../src/lean/StatusWire.js"
import { HelloReply, RequestFrame, StatusReply } from "../../src/protocol/Protocol.js"

const decodeFrame = Schema.decodeUnknownSync(Schema.parseJson(RequestFrame))
const decodeStatus = Schema.decodeUnknownEither(StatusReply)
const encodeStatus = Schema.encodeSync(StatusReply)

describe("the read path's status frames", () => {
  it("are a Hello and a Status request the protocol decodes", () => {
    const lines = statusRequestFrames().split("\n")
    expect(lines.pop()).toBe("")
    expect(lines.map((line) => decodeFrame(line).request._tag)).toEqual(["Hello", "Status"])
  })

  it("read replies by id, and anything but a plain answer as not one", () => {
    expect(readReplyLine(`{"id":2,"ok":{"a":1}}`)).toEqual({ _tag: "Ok", id: 2, ok: { a: 1 } })
    expect(readReplyLine(`{"id":1,"error":{"_tag":"UnsupportedProtocol"}}`)).toEqual({ _tag: "NotOk", id: 1 })
    expect(readReplyLine(`{"id":null,"error":{"_tag":"BadFrame"}}`)).toEqual({ _tag: "NotOk", id: null })
    expect(readReplyLine(`{"id":3,"item":{}}`)).toEqual({ _tag: "NotOk", id: 3 })
    expect(readReplyLine("not json")).toEqual({ _tag: "Unreadable" })
    expect(readReplyLine(`{"ok":1}`)).toEqual({ _tag: "Unreadable" })
  })

  it.prop("take only Hello replies the client's schema decodes", [FastCheck.anything()], ([u]) => {
    if (isHelloReply(u)) expect(Either.isRight(Schema.decodeUnknownEither(HelloReply)(u))).toBe(true)
  })

  it("take a Hello reply", () => {
    expect(isHelloReply({ protocol: 2, version: "0.1.0", pid: 7 })).toBe(true)
    expect(isHelloReply({ protocol: 2, version: "0.1.0" })).toBe(false)
  })

  it.prop(
    "take every Status reply the client's schema decodes (the read path then leaves it to the full CLI to print)",
    [Arbitrary.make(StatusReply)],
    ([status]) => {
      // As it travels: JSON text, which carries no NaN or Infinity.
      const wire: unknown = JSON.parse(JSON.stringify(encodeStatus(status)))
      const decoded = decodeStatus(wire)
      const taken = statusReplyOf(wire)
      if (Either.isLeft(decoded)) {
        expect(taken).toBeUndefined()
      } else {
        if (taken === undefined) throw new Error("refused a reply the schema decodes")
        expect(taken.pid).toBe(decoded.right.pid)
      }
    },
    { fastCheck: { numRuns: 200 } }
  )

  it("refuse replies the client's schema would not decode", () => {
    const good = {
      pid: 1,
      version: "0.1.0",
      startedAt: "2026-01-01T00:00:00.000Z",
      uptimeMs: 5,
      socket: "/s",
      vault: "/v",
      tree: {
        id: "myco",
        path: "myco",
        kind: "supervisor",
        strategy: "rest_for_one",
        state: "running",
        restarts: 0,
        lastFailure: null,
        mailboxDepth: 0,
        uptimeMs: 1,
        deadLetters: 0,
        childCount: 0,
        children: []
      },
      sessions: { active: 0, completed: 0, processed: 0, archived: 0, live: 0 },
      ingest: { queueDepth: 0, queueCapacity: 1, eventsCommitted: 0, duplicates: 0, lateEvents: 0, batchesCommitted: 0 },
      deadLetters: 0,
      connections: 1
    }
    expect(statusReplyOf(good)).toBeDefined()
    expect(Either.isRight(decodeStatus(good))).toBe(true)
    const broken: ReadonlyArray<unknown> = [
      { ...good, pid: 1.5 },
      { ...good, version: 1 },
      { ...good, sessions: { ...good.sessions, live: "1" } },
      { ...good, ingest: { queueDepth: 0 } },
      { ...good, tree: { ...good.tree, state: "sleeping" } },
      { ...good, tree: { ...good.tree, lastFailure: { kind: "oops", tag: "t", message: "m", at: 0 } } },
      { ...good, tree: { ...good.tree, children: [{ id: "x" }] } },
      null,
      []
    ]
    for (const reply of broken) {
      expect(statusReplyOf(reply)).toBeUndefined()
      expect(Either.isLeft(decodeStatus(reply))).toBe(true)
    }
  })
})
