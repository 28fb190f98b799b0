/**
 * The llm runtime against scripted model servers on 127.0.0.1: the Anthropic Messages API
 * (test/support/model-server.ts) and the OpenAI Chat Completions API that Ollama, LM Studio and
 * vLLM serve (test/support/openai-server.ts). The model's tool calls go through the real gateway
 * over memory stores: an allowed call is served, a forbidden one refused and recorded; a 429 is
 * retried; a hung server is timed out; an answer that does not follow the output schema is an
 * AgentError once the turns are spent; keys and endpoints are ConfigErrors with the fix.
 */
import * as net from "node:net"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer } from "effect"
import { FetchHttpClient } from "@effect/platform"
import { CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { SessionId } from "../../src/domain/Ids.js"
import { makeRunGateway } from "../../src/harness/GatewayLive.js"
import type { HarnessManifest } from "../../src/harness/Manifest.js"
import type { RunDiagnostics } from "../../src/harness/Runtime.js"
import { makeLlmRuntime } from "../../src/harness/runtimes/Llm.js"
import { LOCAL_TURNS_FACTOR, parseManifest } from "../../src/harness/Manifests.js"
import { defaultConfig } from "../../src/vault/Config.js"
import type { TaskDocument } from "../../src/harness/Task.js"
import { GatewaySettings } from "../../src/harness/tools/index.js"
import { EventStore } from "../../src/store/EventStore.js"
import { layerStores } from "../../src/store/memory/index.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { testManifest } from "../support/manifest.js"
import { type Fault, type ScriptedTurn, say, startModelServer, useTool } from "../support/model-server.js"
import { startOpenAiServer } from "../support/openai-server.js"
import { at, makeSession } from "../support/sessions.js"

const SESSION = SessionId.make("s-llm")

const OUTPUT_SCHEMA = {
  type: "object",
  properties: { title: { type: "string", minLength: 1 }, summary: { type: "string" } },
  required: ["title", "summary"],
  additionalProperties: false
}

const task: TaskDocument = {
  schema: "myco.task/v1",
  runId: "run-llm",
  task: { name: "title-summary", capability: "title-summary", instructions: "Give the session a title and a one-line summary.", outputSchema: OUTPUT_SCHEMA },
  session: { id: SESSION, agent: "cli", status: "completed", eventCount: 3 },
  events: { inline: [], total: 3, more: true },
  tools: { allowed: ["events"] },
  limits: { timeoutMs: 30_000, turns: 6, tokens: 100_000, outputBytes: 1 << 20 }
}

const GOOD = JSON.stringify({ title: "Fixing the parser", summary: "The parser bug was fixed." })

const stores = Layer.merge(
  layerStores,
  Layer.succeed(GatewaySettings, { projectRoot: "/nowhere", vaultDir: "/nowhere/.myco", excludePaths: [], maxFileBytes: 1024 })
)

const keys = ConfigProvider.fromMap(new Map([["TEST_ANTHROPIC_KEY", "sk-test"], ["TEST_OPENAI_KEY", "sk-test"]]))

/** One run of `manifest` on the runtime, with its gateway over memory stores holding a session of 3 events. */
const run = (manifest: HarnessManifest) =>
  Effect.gen(function* () {
    const sessions = yield* SessionStore
    const [session, created] = makeSession(SESSION)
    yield* sessions.create(session, created)
    yield* (yield* EventStore).append(
      [0, 1, 2].map((i) => new CapturedEvent({ idempotencyId: IdempotencyId.make(`e${i}`), sessionId: SESSION, kind: EventKind.make("prompt"), at: at(i), payload: { text: `step ${i}` } }))
    )
    const gateway = yield* makeRunGateway("run-llm", manifest, SESSION)
    const diagnostics: Array<RunDiagnostics> = []
    const runtime = yield* makeLlmRuntime
    const exit = yield* Effect.exit(
      runtime.run({ runId: "run-llm", manifest, task, gateway, projectRoot: "/nowhere", vaultDir: "/nowhere/.myco", diagnose: (d) => Effect.sync(() => void diagnostics.push(d)) })
    )
    return { exit, diagnostics }
  }).pipe(Effect.scoped, Effect.provide(stores), Effect.provide(FetchHttpClient.layer), Effect.withConfigProvider(keys))

const anthropic = (url: string, overrides: Parameters<typeof testManifest>[0] = {}) =>
  testManifest({ llm: { provider: "anthropic", model: "claude-test", base_url: url, api_key_env: "TEST_ANTHROPIC_KEY" }, ...overrides })

const local = (url: string, overrides: Parameters<typeof testManifest>[0] = {}) =>
  testManifest({ llm: { provider: "ollama", model: "qwen-test", base_url: `${url}/v1` }, ...overrides })

const withAnthropic = <A, E, R>(script: ReadonlyArray<ScriptedTurn>, faults: ReadonlyArray<Fault>, f: (server: Awaited<ReturnType<typeof startModelServer>>) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(Effect.promise(() => startModelServer(script, { everyRequestIsMain: true, faults, log: () => {} })), f, (s) => Effect.promise(() => s.close()))

const withOpenAi = <A, E, R>(script: ReadonlyArray<ScriptedTurn>, faults: ReadonlyArray<Fault>, f: (server: Awaited<ReturnType<typeof startOpenAiServer>>) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(Effect.promise(() => startOpenAiServer(script, { faults })), f, (s) => Effect.promise(() => s.close()))

const failureOf = <A, E>(exit: import("effect").Exit.Exit<A, E>): E => {
  if (exit._tag !== "Failure" || exit.cause._tag !== "Fail") throw new Error(`expected a failure, got ${JSON.stringify(exit)}`)
  return exit.cause.error
}

const toolResults = (body: unknown): ReadonlyArray<{ content: unknown; is_error?: boolean }> => {
  const messages = (body as { messages: Array<{ content: unknown }> }).messages
  return messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((b: { type?: string }) => b.type === "tool_result") : []))
}

describe("the llm runtime on the Anthropic Messages API", () => {
  it.live("serves an allowed tool call, refuses and records a forbidden one, and returns the answer", () =>
    withAnthropic([useTool("events", { limit: 2 }), useTool("read_file", { path: "src/a.ts" }), say(GOOD)], [], (server) =>
      Effect.gen(function* () {
        const { exit, diagnostics } = yield* run(anthropic(server.url, { tools: { allow: ["events"] } }))
        expect(exit._tag).toBe("Success")
        if (exit._tag === "Success") expect(exit.value.output).toEqual(JSON.parse(GOOD))
        const main = server.mainRequests()
        expect(main.length).toBe(3)
        // Only the allowed tool is offered.
        const offered = (main[0]?.body as { tools: Array<{ name: string; input_schema: { properties: Record<string, unknown> } }> }).tools
        expect(offered.map((t) => t.name)).toEqual(["events"])
        // The model is shown the tool's own input schema (the gateway decodes with it).
        expect(Object.keys(offered[0]?.input_schema.properties ?? {}).sort()).toEqual(["after", "limit", "sessionId"])
        expect(main[0]?.headers["x-api-key"]).toBe("sk-test")
        const [served, refused] = toolResults(main[2]?.body)
        expect(JSON.stringify(served?.content)).toContain("step 0")
        expect(JSON.stringify(served?.content)).not.toContain("step 2")
        expect(JSON.stringify(refused?.content)).toMatch(/refused: the harness test does not allow read_file/)
        expect(refused?.is_error).toBe(true)
        const last = diagnostics[diagnostics.length - 1]
        expect(last?.refusedTools).toEqual([{ tool: "read_file", argumentBytes: JSON.stringify({ path: "src/a.ts" }).length, reason: "the harness test does not allow read_file (tools.allow)" }])
        expect(last?.usage).toMatchObject({ turns: 3, inputTokens: 75, outputTokens: 36 })
      })
    )
  )

  it.live("a call to a tool outside the gateway ends the run as an AgentError on the tool limit", () =>
    withAnthropic([useTool("Bash", { command: "cat ~/.ssh/id_rsa" })], [], (server) =>
      Effect.gen(function* () {
        const { exit, diagnostics } = yield* run(anthropic(server.url))
        const failure = failureOf(exit)
        expect(failure._tag).toBe("AgentError")
        if (failure._tag === "AgentError") {
          expect(failure.limit).toBe("tool")
          expect(failure.message).toMatch(/Bash/)
        }
        expect(diagnostics[0]?.limit).toBe("tool")
        expect(diagnostics[0]?.refusedTools).toEqual([{ tool: "Bash", argumentBytes: 2, reason: 'no tool is named "Bash"' }])
      })
    )
  )

  it.live("retries a 429 and a 503, then answers", () =>
    withAnthropic([say(GOOD)], [429, 503], (server) =>
      Effect.gen(function* () {
        const { exit } = yield* run(anthropic(server.url))
        expect(exit._tag).toBe("Success")
        expect(server.mainRequests().length).toBe(3)
      })
    )
  )

  it.live("times a hung server out: an AgentError with the limit and the turns", () =>
    withAnthropic([], ["hang"], (server) =>
      Effect.gen(function* () {
        const { exit, diagnostics } = yield* run(anthropic(server.url, { limits: { timeout: 1500 } }))
        const failure = failureOf(exit)
        expect(failure._tag).toBe("AgentError")
        if (failure._tag === "AgentError") expect(failure.limit).toBe("time")
        expect(diagnostics[0]).toMatchObject({ limit: "timeout", usage: { turns: 0 } })
      })
    )
  )

  it.live("a refused key is a ConfigError; a missing one fails before any request, with the fix", () =>
    withAnthropic([], [401], (server) =>
      Effect.gen(function* () {
        const refused = failureOf((yield* run(anthropic(server.url))).exit)
        expect(refused._tag).toBe("ConfigError")
        const before = server.requests.length
        const missing = failureOf((yield* run(anthropic(server.url, { llm: { provider: "anthropic", model: "m", base_url: server.url, api_key_env: "NO_SUCH_KEY" } }))).exit)
        expect(missing._tag).toBe("ConfigError")
        if (missing._tag === "ConfigError") {
          expect(missing.message).toMatch(/NO_SUCH_KEY is not set/)
          expect(missing.fix).toBe("myco harness check test")
        }
        expect(server.requests.length).toBe(before)
      })
    )
  )
})

describe("the llm runtime on the OpenAI API (Chat Completions for Ollama, LM Studio, vLLM; Responses for OpenAI)", () => {
  it.live("serves tool calls through the gateway and returns the answer", () =>
    withOpenAi([useTool("events", {}), useTool("write_result", { output: { title: "x", summary: "y" } }), say(GOOD)], [], (server) =>
      Effect.gen(function* () {
        const { exit, diagnostics } = yield* run(local(server.url, { tools: { allow: ["events", "write_result"], read_only: true } }))
        expect(exit._tag).toBe("Success")
        if (exit._tag === "Success") expect(exit.value.output).toEqual(JSON.parse(GOOD))
        const completions = server.completions()
        expect(completions.length).toBe(3)
        const first = completions[0]?.body as { model: string; tools: Array<{ function: { name: string } }> }
        expect(first.model).toBe("qwen-test")
        expect(first.tools.map((t) => t.function.name)).toEqual(["events"])
        const messages = (completions[2]?.body as { messages: Array<{ role: string; content: string | null }> }).messages
        const tools = messages.filter((m) => m.role === "tool").map((m) => m.content ?? "")
        expect(tools[0]).toContain("step 2")
        expect(tools[1]).toMatch(/refused: write_result writes and the harness test is read-only/)
        expect(diagnostics[diagnostics.length - 1]?.refusedTools?.map((r) => r.tool)).toEqual(["write_result"])
      })
    )
  )

  it.live("an answer that does not follow the output schema is sent back, and is an AgentError once the turns are spent", () =>
    withOpenAi([say("Here is a title: Parser"), say(JSON.stringify({ title: "" , summary: "s" }))], [], (server) =>
      Effect.gen(function* () {
        const { exit, diagnostics } = yield* run(local(server.url, { limits: { turns: 2 } }))
        const failure = failureOf(exit)
        expect(failure._tag).toBe("AgentError")
        expect(failure.message).toMatch(/does not follow the output schema after 2 turns: \$\.title: shorter than 1/)
        const second = (server.completions()[1]?.body as { messages: Array<{ role: string; content: string }> }).messages
        expect(second[second.length - 1]?.content).toMatch(/Your answer is not valid: the answer is not a JSON document/)
        expect(diagnostics[0]).toMatchObject({ limit: "turns", usage: { turns: 2, inputTokens: 60, outputTokens: 20 } })
      })
    )
  )

  it.live("a 429 is retried; a server that is not there is a TransientError after bounded retries", () =>
    withOpenAi([say(GOOD)], [429], (server) =>
      Effect.gen(function* () {
        expect((yield* run(local(server.url))).exit._tag).toBe("Success")
        expect(server.completions().length).toBe(2)
        const closed = yield* Effect.promise(() => new Promise<number>((resolve) => {
          const probe = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = probe.address() as net.AddressInfo
            probe.close(() => resolve(port))
          })
        }))
        const failure = failureOf((yield* run(local(`http://127.0.0.1:${closed}`))).exit)
        expect(failure._tag).toBe("TransientError")
      })
    )
  )

  it.live("the probe asks GET /v1/models, and says when the endpoint does not answer", () =>
    withOpenAi([], [], (server) =>
      Effect.gen(function* () {
        const runtime = yield* makeLlmRuntime
        const ok = yield* runtime.probe(local(server.url))
        expect(ok).toMatchObject({ ok: true })
        expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/models"])
        const down = yield* runtime.probe(local("http://127.0.0.1:9"))
        expect(down.ok).toBe(false)
        const nokey = yield* runtime.probe(testManifest({ llm: { provider: "openai", model: "gpt-test", api_key_env: "NO_SUCH_KEY" } }))
        expect(nokey).toMatchObject({ ok: false, detail: expect.stringMatching(/NO_SUCH_KEY/) })
      }).pipe(Effect.provide(FetchHttpClient.layer), Effect.withConfigProvider(keys))
    )
  )

  it.live("provider openai speaks the Responses API through @effect/ai-openai, tool calls included", () =>
    withOpenAi([useTool("events", { limit: 1 }), say(GOOD)], [429], (server) =>
      Effect.gen(function* () {
        const manifest = testManifest({ llm: { provider: "openai", model: "gpt-test", base_url: `${server.url}/v1`, api_key_env: "TEST_OPENAI_KEY" }, tools: { allow: ["events"] } })
        const { exit } = yield* run(manifest)
        expect(exit._tag).toBe("Success")
        if (exit._tag === "Success") expect(exit.value.output).toEqual(JSON.parse(GOOD))
        const calls = server.completions()
        expect(calls.map((r) => r.path)).toEqual(["/v1/responses", "/v1/responses", "/v1/responses"])
        expect(calls[0]?.headers.authorization).toBe("Bearer sk-test")
        const input = (calls[2]?.body as { input: Array<{ type?: string; output?: string }> }).input
        expect(input.find((item) => item.type === "function_call_output")?.output).toContain("step 0")
      })
    )
  )

  it("local providers get a 4x larger default turn budget, unless the manifest sets one", () => {
    const turnsOf = (provider: string, extra = "") => {
      const parsed = parseManifest(`runtime: llm\ncapabilities: [extract]\nllm: { provider: ${provider}, model: m, base_url: "http://127.0.0.1:1/v1" }\n${extra}`, "t.yaml", defaultConfig)
      if (Either.isLeft(parsed)) throw new Error(parsed.left.join("; "))
      return parsed.right.limits.turns
    }
    const cloud = defaultConfig.harness.limits.turns
    expect(turnsOf("anthropic")).toBe(cloud)
    expect(turnsOf("openai-compatible")).toBe(cloud)
    expect(turnsOf("ollama")).toBe(LOCAL_TURNS_FACTOR * cloud)
    expect(turnsOf("lmstudio")).toBe(LOCAL_TURNS_FACTOR * cloud)
    expect(turnsOf("ollama", "limits: { turns: 7 }")).toBe(7)
  })
})
