/**
 * The spool drain against what can sit in a spool, on real files: an event that keeps failing
 * (a poison) is retried a few passes and then moved aside with its reason, never holding back the
 * events of other sessions (drained at once) nor, once aside, those of its own session; entries
 * that are not regular files of ours (a FIFO, links to /etc/passwd and /dev/zero, a file nested too
 * deep, one owned by another user) are moved aside unread, without blocking; a spool directory
 * that is a link is not drained at all. The fallback spool is drained with the vault's, in one
 * order; nothing is drained while writes are paused for a full disk, and an event refused for a
 * full disk pauses them without counting as a failed attempt.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { makeSpoolDrain, MAX_SPOOL_ATTEMPTS, type SubmitHook } from "../../src/capture/SpoolDrain.js"
import { AgentError, DISK_FULL, TransientError } from "../../src/domain/Failure.js"
import { IntakePause } from "../../src/capture/IntakePause.js"
import { layerLossStore } from "../../src/store/memory/index.js"
import { layerTestIntakePause } from "../support/memory-vault.js"
import { spoolFileName } from "../../src/lean/Spool.js"
import { HookEvent, type HookEventReply } from "../../src/protocol/Protocol.js"

const encode = Schema.encodeSync(HookEvent)
const decode = Schema.decodeUnknownSync(HookEvent)

/** A spooled Claude Code prompt of session `session`. */
const spoolOne = (dir: string, atMs: number, id: string, session: string): string => {
  const event = decode({
    _tag: "HookEvent",
    idempotencyId: id,
    agent: "claude-code",
    event: "UserPromptSubmit",
    at: new Date(atMs).toISOString(),
    cwd: "/p",
    input: { status: "ok", bytes: 10, from: "stdin" },
    payload: { session_id: session, hook_event_name: "UserPromptSubmit", prompt: `prompt ${id}`, cwd: "/p" }
  })
  const file = path.join(dir, spoolFileName(atMs, id))
  fs.writeFileSync(file, JSON.stringify(encode(event)), { mode: 0o600 })
  return file
}

const privateSpool = (): { readonly root: string; readonly spool: string } => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "myco-spool-"))
  const spool = path.join(root, "spool")
  fs.mkdirSync(spool, { mode: 0o700 })
  fs.chmodSync(spool, 0o700)
  return { root, spool }
}

const stored: HookEventReply = { outcome: "stored", sessionId: null, kind: "prompt" as HookEventReply["kind"], late: false }

describe("the spool drain", () => {
  it("moves a poison aside after a few passes; other sessions drain at once, its own session once it is aside", async () => {
    const { root, spool } = privateSpool()
    try {
      spoolOne(spool, 1000, "a-1", "session-a")
      spoolOne(spool, 1001, "b-1", "session-b")
      spoolOne(spool, 1002, "a-2", "session-a")
      spoolOne(spool, 1003, "b-2", "session-b")
      const submitted: Array<string> = []
      const submit: SubmitHook = (event) =>
        Effect.sync(() => {
          submitted.push(event.idempotencyId)
          return event.idempotencyId === "a-1"
            ? Effect.fail(new AgentError({ actor: "session-a", message: "the message killed its actor 3 times: dead-lettered" }))
            : Effect.succeed(stored)
        })
      const { drain } = makeSpoolDrain({ spoolDir: spool, maxFileBytes: 1 << 20, maxDepth: 128, submit })
      await Effect.runPromise(drain)
      // Submitted in order; only the poison is left: nothing behind it waits for it.
      expect(submitted).toEqual(["a-1", "b-1", "a-2", "b-2"])
      expect(fs.readdirSync(spool).filter((n) => n.endsWith(".json")).sort()).toEqual([spoolFileName(1000, "a-1")])
      for (let pass = 2; pass <= MAX_SPOOL_ATTEMPTS; pass++) await Effect.runPromise(drain)
      // After MAX_SPOOL_ATTEMPTS failures the poison is aside, with its reason.
      const failed = path.join(spool, "failed")
      expect(fs.readdirSync(failed).sort()).toEqual([spoolFileName(1000, "a-1"), `${spoolFileName(1000, "a-1")}.reason.txt`])
      expect(fs.readFileSync(path.join(failed, `${spoolFileName(1000, "a-1")}.reason.txt`), "utf8")).toContain("AgentError")
      await Effect.runPromise(drain)
      // Each good event was submitted once; the poison once per pass, and no more once aside.
      expect(submitted.filter((id) => id !== "a-1")).toEqual(["b-1", "a-2", "b-2"])
      expect(submitted.filter((id) => id === "a-1")).toHaveLength(MAX_SPOOL_ATTEMPTS)
      expect(fs.readdirSync(spool).filter((n) => n.endsWith(".json"))).toEqual([])
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })

  it("moves aside, unread and without blocking, every entry that is not a regular file of ours", async () => {
    const { root, spool } = privateSpool()
    try {
      const fifo = path.join(spool, spoolFileName(2000, "fifo"))
      expect(spawnSync("mkfifo", [fifo]).status).toBe(0)
      fs.symlinkSync("/etc/passwd", path.join(spool, spoolFileName(2001, "passwd")))
      fs.symlinkSync("/dev/zero", path.join(spool, spoolFileName(2002, "zero")))
      fs.writeFileSync(path.join(spool, spoolFileName(2003, "deep")), `${"[".repeat(5000)}${"]".repeat(5000)}`)
      fs.writeFileSync(path.join(spool, spoolFileName(2004, "huge")), "x".repeat(2 << 20))
      const mine = spoolOne(spool, 2005, "fine", "session-c")
      const foreign = process.getuid?.() === 0 ? spoolOne(spool, 2006, "foreign", "session-d") : undefined
      if (foreign !== undefined) fs.chownSync(foreign, 65534, 65534)
      const submitted: Array<string> = []
      const submit: SubmitHook = (event) => Effect.sync(() => (submitted.push(event.idempotencyId), Effect.succeed(stored)))
      const { drain } = makeSpoolDrain({ spoolDir: spool, maxFileBytes: 1 << 20, maxDepth: 128, submit })
      await Effect.runPromise(drain.pipe(Effect.timeout("20 seconds")))
      expect(submitted).toEqual(["fine"])
      expect(fs.existsSync(mine)).toBe(false)
      const rejected = fs.readdirSync(path.join(spool, "rejected")).filter((n) => !n.endsWith(".reason.txt")).sort()
      const expected = ["fifo", "passwd", "zero", "deep", "huge", ...(foreign === undefined ? [] : ["foreign"])].map((id, i) => spoolFileName(2000 + (id === "foreign" ? 6 : i), id)).sort()
      expect(rejected).toEqual(expected)
      // Links were moved as links: their targets are untouched, and no content was read into a reason.
      expect(fs.lstatSync(path.join(spool, "rejected", spoolFileName(2001, "passwd"))).isSymbolicLink()).toBe(true)
      expect(fs.readFileSync(path.join(spool, "rejected", `${spoolFileName(2001, "passwd")}.reason.txt`), "utf8")).not.toContain("root:")
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })

  it("does not drain a spool directory that is a link", async () => {
    const { root, spool } = privateSpool()
    try {
      const elsewhere = path.join(root, "elsewhere")
      fs.renameSync(spool, elsewhere)
      fs.symlinkSync(elsewhere, spool)
      const file = spoolOne(elsewhere, 3000, "linked", "session-e")
      const submitted: Array<string> = []
      const submit: SubmitHook = (event) => Effect.sync(() => (submitted.push(event.idempotencyId), Effect.succeed(stored)))
      await Effect.runPromise(makeSpoolDrain({ spoolDir: spool, maxFileBytes: 1 << 20, maxDepth: 128, submit }).drain)
      expect(submitted).toEqual([])
      expect(fs.existsSync(file)).toBe(true)
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })

  it("drains the fallback spool with the vault's, in one order of the hooks' start times", async () => {
    const { root, spool } = privateSpool()
    const fallback = path.join(root, "fallback")
    fs.mkdirSync(fallback, { mode: 0o700 })
    fs.chmodSync(fallback, 0o700)
    try {
      spoolOne(spool, 4000, "v-1", "session-f")
      spoolOne(fallback, 4001, "f-2", "session-f")
      spoolOne(spool, 4002, "v-3", "session-f")
      spoolOne(fallback, 4003, "f-4", "session-f")
      fs.symlinkSync("/etc/passwd", path.join(fallback, spoolFileName(4004, "planted")))
      const submitted: Array<string> = []
      const submit: SubmitHook = (event) => Effect.sync(() => (submitted.push(event.idempotencyId), Effect.succeed(stored)))
      await Effect.runPromise(makeSpoolDrain({ spoolDir: spool, fallbackSpoolDir: fallback, maxFileBytes: 1 << 20, maxDepth: 128, submit }).drain)
      expect(submitted).toEqual(["v-1", "f-2", "v-3", "f-4"])
      expect(fs.readdirSync(spool).filter((n) => n.endsWith(".json"))).toEqual([])
      expect(fs.readdirSync(fallback).filter((n) => n.endsWith(".json"))).toEqual([])
      // The planted link went to the fallback spool's own rejected/, unread.
      expect(fs.lstatSync(path.join(fallback, "rejected", spoolFileName(4004, "planted"))).isSymbolicLink()).toBe(true)
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })

  it("drains nothing while writes are paused; a full disk pauses them and is never a failed attempt", async () => {
    const { root, spool } = privateSpool()
    try {
      spoolOne(spool, 5000, "p-1", "session-p")
      spoolOne(spool, 5001, "p-2", "session-q")
      let full = true
      const submitted: Array<string> = []
      const submit: SubmitHook = (event) =>
        Effect.sync(() => {
          submitted.push(event.idempotencyId)
          return full
            ? Effect.fail(new TransientError({ operation: "capture", message: "database or disk is full (SQLITE_FULL)", code: DISK_FULL }))
            : Effect.succeed(stored)
        })
      const program = Effect.gen(function* () {
        const intake = yield* IntakePause
        const { drain } = makeSpoolDrain({ spoolDir: spool, maxFileBytes: 1 << 20, maxDepth: 128, submit, intake })
        yield* drain
        // Their commits found the disk full: writes are paused, and both files stay.
        expect(submitted).toEqual(["p-1", "p-2"])
        expect(yield* intake.paused).toBe(true)
        expect(fs.readdirSync(spool).filter((n) => n.endsWith(".json"))).toHaveLength(2)
        // Paused: passes read nothing, however many.
        for (let pass = 0; pass < MAX_SPOOL_ATTEMPTS + 1; pass++) yield* drain
        expect(submitted).toEqual(["p-1", "p-2"])
        // The space is back: a probe resumes writes, and the next pass stores everything.
        full = false
        yield* Effect.sleep("1 second")
        yield* intake.probe
        yield* drain
        expect(submitted).toEqual(["p-1", "p-2", "p-1", "p-2"])
      })
      await Effect.runPromise(program.pipe(Effect.provide(layerTestIntakePause.pipe(Layer.provide(layerLossStore)))))
      expect(fs.readdirSync(spool).filter((n) => n.endsWith(".json"))).toEqual([])
      // Nothing was taken for a poison.
      expect(fs.existsSync(path.join(spool, "failed"))).toBe(false)
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  }, 30_000)
})
