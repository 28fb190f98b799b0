/**
 * The tool gateway's policy, checked in code before a tool runs: what the manifest allows, writes
 * under read_only, arguments that do not decode or are too large, calls after the run ended; and
 * read_file's capture boundary (excluded files, paths outside the root, links leading out, secrets
 * redacted). The stores are real SQLite files.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Scope } from "effect"
import { CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { SessionId } from "../../src/domain/Ids.js"
import type { RunGateway } from "../../src/harness/Gateway.js"
import { makeGatewayFactory, makeRunGateway, MAX_ARGUMENT_BYTES } from "../../src/harness/GatewayLive.js"
import { GatewaySettings } from "../../src/harness/tools/index.js"
import type { HarnessManifest } from "../../src/harness/Manifest.js"
import { EventStore } from "../../src/store/EventStore.js"
import { layerStores as layerMemoryStores } from "../../src/store/memory/index.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores as layerSqliteStores } from "../../src/store/sqlite/index.js"
import { tempProject } from "../support/cli.js"
import { testManifest } from "../support/manifest.js"
import { at, makeSession } from "../support/sessions.js"

const SESSION = SessionId.make("s-gateway")

/** A project with files, a SQLite vault holding one session of `events` events, and the gateway's settings. */
const withProject = <A, E>(
  events: number,
  f: (dir: string) => Effect.Effect<A, E, SessionStore | EventStore | GatewaySettings | Scope.Scope>
) =>
  Effect.suspend(() => {
    const project = tempProject()
    const vaultDir = path.join(project.dir, ".myco")
    fs.mkdirSync(vaultDir, { mode: 0o700 })
    const stores = layerSqliteStores({ filename: path.join(vaultDir, "myco.db"), busyTimeoutMs: 1000, retry: { attempts: 3, baseDelayMs: 5 }, migrate: true })
    const settings = Layer.succeed(GatewaySettings, { projectRoot: project.dir, vaultDir, excludePaths: ["*.pem", "secrets/**"], maxFileBytes: 4096 })
    return Effect.gen(function* () {
      const sessions = yield* SessionStore
      const [session, created] = makeSession(SESSION)
      yield* sessions.create(session, created)
      const store = yield* EventStore
      if (events > 0) {
        yield* store.append(
          Array.from({ length: events }, (_, i) =>
            new CapturedEvent({ idempotencyId: IdempotencyId.make(`e-${i}`), sessionId: SESSION, kind: EventKind.make("tool.used"), at: at(i), payload: { n: i } })
          )
        )
      }
      return yield* f(project.dir)
    }).pipe(Effect.scoped, Effect.provide(Layer.merge(stores, settings)), Effect.ensuring(Effect.sync(project.cleanup)))
  })

const gateway = (manifest: HarnessManifest) => makeRunGateway("run-1", manifest, SESSION)

const refusedOf = (g: RunGateway) => g.refused ?? Effect.die("this gateway keeps no refusals")

const refusal = (g: RunGateway, tool: string, args: unknown) =>
  Effect.flip(g.call(tool, args)).pipe(
    Effect.map((e) => {
      if (e._tag !== "ToolRefused") throw new Error(`expected a refusal, got ${e._tag}: ${e.message}`)
      return e
    })
  )

describe("the tool gateway's policy", () => {
  it.live("offers only the allowed tools, and writes only when not read-only", () =>
    withProject(0, () =>
      Effect.gen(function* () {
        const some = yield* gateway(testManifest({ tools: { allow: ["events", "write_result", "no_such_tool"] } }))
        expect(some.tools.map((t) => t.name)).toEqual(["events", "write_result"])
        expect(some.tools.find((t) => t.name === "write_result")?.writes).toBe(true)
        const readOnly = yield* gateway(testManifest({ tools: { allow: ["events", "write_result"], read_only: true } }))
        expect(readOnly.tools.map((t) => t.name)).toEqual(["events"])
      })
    )
  )

  it.live("serves an allowed call: events paged through the real store", () =>
    withProject(7, () =>
      Effect.gen(function* () {
        const g = yield* gateway(testManifest())
        const first = (yield* g.call("events", { limit: 5 })) as { events: Array<{ seq: number; payload: unknown }>; next: number | null }
        expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
        expect(first.events[0]?.payload).toEqual({ n: 0 })
        expect(first.next).toBe(5)
        const second = (yield* g.call("events", { after: 5, limit: 5 })) as { events: Array<{ seq: number }>; next: number | null }
        expect(second.events.map((e) => e.seq)).toEqual([6, 7])
        expect(second.next).toBeNull()
        const found = (yield* g.call("sessions", { query: "GATEWAY" })) as { sessions: Array<{ id: string }> }
        expect(found.sessions.map((s) => s.id)).toEqual([SESSION])
        expect(yield* refusedOf(g)).toEqual([])
      })
    )
  )

  it.live("refuses, without running, a tool not allowed, a write under read_only, bad and oversized arguments; each is recorded", () =>
    withProject(1, () =>
      Effect.gen(function* () {
        const g = yield* gateway(testManifest({ tools: { allow: ["events", "write_result"], read_only: true } }))
        expect((yield* refusal(g, "read_file", { path: "a.txt" })).reason).toMatch(/does not allow read_file/)
        expect((yield* refusal(g, "write_result", { output: 1 })).reason).toMatch(/read-only/)
        expect((yield* refusal(g, "bash", { command: "ls" })).reason).toMatch(/no tool is named/)
        expect((yield* refusal(g, "events", { limit: 201 })).reason).toMatch(/invalid arguments/)
        expect((yield* refusal(g, "events", { limit: 5, sql: "DROP TABLE events" })).reason).toMatch(/invalid arguments/)
        const big = { sessionId: "x".repeat(MAX_ARGUMENT_BYTES) }
        const oversized = yield* refusal(g, "events", big)
        expect(oversized.reason).toMatch(/over the limit/)
        expect(oversized.argumentBytes).toBeGreaterThan(MAX_ARGUMENT_BYTES)
        expect(yield* g.writtenResult).toBeUndefined()
        const refused = yield* refusedOf(g)
        expect(refused.map((r) => r.tool)).toEqual(["read_file", "write_result", "bash", "events", "events", "events"])
        expect(refused[0]?.argumentBytes).toBe(JSON.stringify({ path: "a.txt" }).length)
      })
    )
  )

  it.live("write_result keeps the run's result", () =>
    withProject(0, () =>
      Effect.gen(function* () {
        const g = yield* gateway(testManifest())
        expect(yield* g.call("write_result", { output: { title: "t" } })).toEqual({ written: true })
        expect(yield* g.writtenResult).toEqual({ title: "t" })
      })
    )
  )

  it.live("refuses every call once the run's scope has closed", () =>
    withProject(1, () =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const g = yield* Scope.extend(gateway(testManifest()), scope)
        yield* g.call("events", {})
        yield* Scope.close(scope, Exit.void)
        expect((yield* refusal(g, "events", {})).reason).toMatch(/the run has ended/)
      })
    )
  )

  it.effect("the factory has the GatewayFactory's shape and works on the memory stores", () =>
    Effect.gen(function* () {
      const sessions = yield* SessionStore
      const [session, created] = makeSession(SESSION)
      yield* sessions.create(session, created)
      const factory = yield* makeGatewayFactory
      const g = yield* factory("run-2", testManifest({ tools: { allow: ["events"] } }), SESSION)
      expect(yield* g.call("events", {})).toEqual({ sessionId: SESSION, events: [], next: null })
    }).pipe(
      Effect.scoped,
      Effect.provide(Layer.merge(layerMemoryStores, Layer.succeed(GatewaySettings, { projectRoot: "/nowhere", vaultDir: "/nowhere/.myco", excludePaths: [], maxFileBytes: 1024 })))
    )
  )
})

describe("read_file under the capture boundary", () => {
  const setup = (dir: string) => {
    fs.writeFileSync(path.join(dir, "notes.md"), "# Notes\nthe key is sk-ant-api03-" + "a".repeat(93) + "AA and nothing else\n")
    fs.writeFileSync(path.join(dir, ".env"), "TOKEN=1\n")
    fs.writeFileSync(path.join(dir, "server.pem"), "-----\n")
    fs.mkdirSync(path.join(dir, "secrets"))
    fs.writeFileSync(path.join(dir, "secrets", "plain.txt"), "x\n")
    fs.writeFileSync(path.join(dir, "big.txt"), "y".repeat(10_000))
    fs.writeFileSync(path.join(dir, "binary.bin"), Buffer.from([1, 0, 2]))
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-outside.txt`)
    fs.writeFileSync(outside, "outside\n")
    fs.symlinkSync(outside, path.join(dir, "escape.txt"))
    fs.symlinkSync(path.join(dir, ".env"), path.join(dir, "innocent.txt"))
    fs.symlinkSync(path.join(dir, "notes.md"), path.join(dir, "alias.md"))
    return () => fs.rmSync(outside, { force: true })
  }

  it.live("reads a project file with its secrets redacted, and cuts a large one", () =>
    withProject(0, (dir) =>
      Effect.gen(function* () {
        const cleanup = setup(dir)
        const g = yield* gateway(testManifest())
        const notes = (yield* g.call("read_file", { path: "notes.md" })) as { content: string; redactions: number; truncated: boolean }
        expect(notes.content).toMatch(/^# Notes\nthe key is \[REDACTED:[a-z-]+\] and nothing else\n$/)
        expect(notes.content).not.toContain("sk-ant-api03")
        expect(notes.redactions).toBe(1)
        expect(notes.truncated).toBe(false)
        const viaLink = (yield* g.call("read_file", { path: "alias.md" })) as { content: string }
        expect(viaLink.content).toBe(notes.content)
        const big = (yield* g.call("read_file", { path: path.join(dir, "big.txt") })) as { content: string; truncated: boolean; bytes: number }
        expect(big).toMatchObject({ truncated: true, bytes: 10_000 })
        expect(big.content.length).toBe(4096)
        const binary = yield* Effect.flip(g.call("read_file", { path: "binary.bin" }))
        expect(binary._tag).toBe("ToolFailed")
        cleanup()
      })
    )
  )

  it.live("refuses excluded files (the session's globs and the vault's), paths outside the root, the vault, and links leading out", () =>
    withProject(0, (dir) =>
      Effect.gen(function* () {
        const cleanup = setup(dir)
        const g = yield* gateway(testManifest())
        // `.env` is the session's exclusion (test/support/sessions.ts), `*.pem` and `secrets/**` the vault's.
        expect((yield* refusal(g, "read_file", { path: ".env" })).reason).toMatch(/excluded by the capture boundary \(\.env\)/)
        expect((yield* refusal(g, "read_file", { path: "server.pem" })).reason).toMatch(/\*\.pem/)
        expect((yield* refusal(g, "read_file", { path: "secrets/plain.txt" })).reason).toMatch(/secrets\/\*\*/)
        expect((yield* refusal(g, "read_file", { path: "../etc/passwd" })).reason).toMatch(/outside the project root/)
        expect((yield* refusal(g, "read_file", { path: "/etc/passwd" })).reason).toMatch(/outside the project root/)
        expect((yield* refusal(g, "read_file", { path: ".myco/myco.db" })).reason).toMatch(/vault directory/)
        expect((yield* refusal(g, "read_file", { path: "escape.txt" })).reason).toMatch(/link: the path is outside the project root/)
        expect((yield* refusal(g, "read_file", { path: "innocent.txt" })).reason).toMatch(/link: the file is excluded/)
        expect((yield* refusedOf(g)).length).toBe(8)
        cleanup()
      })
    )
  )
})
