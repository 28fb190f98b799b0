/** The hook's lean frame encoder against the protocol's schemas (docs/protocol.md). */
import { describe, expect, it } from "vitest"
import { Schema } from "effect"
import { HookEvent, RequestFrame, WireError } from "../../src/protocol/Protocol.js"
import { parseArgs } from "../../src/hook/Hook.js"
import { parseInput } from "../../src/hook/Input.js"
import { encodeHookFrame, type HookEventWire, readReply } from "../../src/lean/HookWire.js"
import { ShuttingDown } from "../../src/protocol/Protocol.js"

const decodeFrame = Schema.decodeUnknownSync(RequestFrame)

const sample = (payload: unknown, input: HookEventWire["input"]): HookEventWire => ({
  _tag: "HookEvent",
  idempotencyId: "0b6f3e0e-8f7c-4a53-9b8e-2f1c5d7a9e41",
  agent: "claude-code",
  event: "PostToolUse",
  at: new Date(1_764_000_000_123).toISOString(),
  cwd: "/home/dev/project",
  input,
  payload
})

describe("hook frame encoder", () => {
  const cases: ReadonlyArray<readonly [string, HookEventWire]> = [
    ["a JSON payload", sample({ session_id: "s", tool_response: { stdout: "é\u0000\n" }, n: [1, 2.5, null, true] }, { status: "ok", bytes: 80, from: "stdin" })],
    ["no payload", sample(null, { status: "empty", bytes: 0, from: "stdin" })],
    ["a payload from argv", sample({ type: "agent-turn-complete" }, { status: "ok", bytes: 30, from: "argv" })],
    ["an unusable input", sample(null, { status: "not-json", bytes: 9, head: "\uFFFD{not", from: "stdin" })]
  ]
  for (const [name, event] of cases) {
    it(`writes one line the protocol decodes to the same event: ${name}`, () => {
      const frame = encodeHookFrame(event)
      expect(frame.endsWith("\n")).toBe(true)
      expect(frame.slice(0, -1)).not.toContain("\n")
      const decoded = decodeFrame(JSON.parse(frame))
      expect(decoded.request).toBeInstanceOf(HookEvent)
      // Encoding what the schema decoded gives back exactly what the hook wrote.
      expect(Schema.encodeSync(RequestFrame)(decoded)).toEqual(JSON.parse(frame))
    })
  }

  it("reads acknowledgements and typed refusals of its request, and ignores other frames", () => {
    expect(readReply(JSON.stringify({ id: 1, ok: { outcome: "stored" } }))).toEqual({ _tag: "Acked" })
    const error = Schema.encodeSync(WireError)(new ShuttingDown())
    expect(readReply(JSON.stringify({ id: 1, error }))).toEqual({ _tag: "Refused", reason: "ShuttingDown" })
    expect(readReply(JSON.stringify({ id: null, error }))).toEqual({ _tag: "Refused", reason: "ShuttingDown" })
    expect(readReply(JSON.stringify({ id: 2, ok: {} }))).toBeUndefined()
    expect(readReply("garbage")).toEqual({ _tag: "Refused", reason: "unreadable reply" })
  })
})

describe("hook arguments and input", () => {
  it("takes flags in any order, the payload as an extra argument, and never fails", () => {
    expect(parseArgs(["agent-turn-complete", "--agent", "codex", "{\"type\":1}", "--vault", "/p/.myco"])).toEqual({
      event: "agent-turn-complete",
      agent: "codex",
      vault: "/p/.myco",
      payload: "{\"type\":1}",
      problems: []
    })
    expect(parseArgs(["--agent=cursor", "afterFileEdit"])).toMatchObject({ event: "afterFileEdit", agent: "cursor" })
    const bad = parseArgs(["--agent", "Not An Agent"])
    expect(bad).toMatchObject({ event: "unspecified", agent: "unknown" })
    expect(bad.problems).toHaveLength(2)
  })

  it("describes input it cannot use instead of dropping it", () => {
    expect(parseInput(Buffer.from("\uFEFF{\"a\":1}"), 10, "stdin", 126)).toEqual({ input: { status: "ok", bytes: 10, from: "stdin" }, payload: { a: 1 } })
    expect(parseInput(Buffer.from("  \n"), 3, "stdin", 126).input.status).toBe("empty")
    expect(parseInput(Buffer.from("{oops"), 5, "stdin", 126)).toMatchObject({ input: { status: "not-json", head: "{oops" }, payload: null })
    const big = parseInput(Buffer.alloc(10, 0x61), 9 * 1024 * 1024, "stdin", 126)
    expect(big).toMatchObject({ input: { status: "oversize", bytes: 9 * 1024 * 1024 }, payload: null })
    // Nested past the limit, at any depth from just past it to far past it: kept as text, never parsed.
    for (const depth of [127, 3000, 100_000]) {
      const deep = Buffer.from(`${"[".repeat(depth)}${"]".repeat(depth)}`)
      expect(parseInput(deep, deep.length, "stdin", 126)).toMatchObject({ input: { status: "too-deep", bytes: deep.length }, payload: null })
    }
    const deepObject = Buffer.from(`{"session_id":"s-1","x":${"{\"a\":".repeat(200)}1${"}".repeat(200)}}`)
    expect(parseInput(deepObject, deepObject.length, "stdin", 126)).toMatchObject({ input: { status: "too-deep", head: expect.stringContaining('"session_id":"s-1"') } })
  })
})
