/**
 * The llm runtime: a model, through @effect/ai's LanguageModel, with the run's gateway tools
 * offered as a Toolkit. Providers:
 *
 * - `anthropic`: @effect/ai-anthropic (the Messages API, `POST /v1/messages`);
 * - `openai`: @effect/ai-openai (OpenAI's Responses API, `POST /responses`, the only API its
 *   LanguageModel speaks);
 * - `ollama`, `lmstudio`, `openai-compatible`: the Chat Completions API (`POST /chat/completions`,
 *   ChatCompletions.ts), which every OpenAI-compatible server serves.
 *
 * The loop: the model is asked the task (instructions, the session, the first events, the output's
 * JSON Schema); each turn is one request; its tool calls go through the gateway (a refused call is
 * a tool error the model reads, recorded on the run); a turn without tool calls is the answer,
 * checked against the output schema (or what the model wrote with `write_result`); an invalid
 * answer is sent back with what is wrong while turns remain. Limits, enforced here: turns and
 * tokens (manifest `limits.turns`, `limits.tokens`), the text the model produces
 * (`limits.output`), and the whole run's `limits.timeout` (interrupting the request in flight).
 *
 * Failures: connection refused, 429 and 5xx are retried here, per request, with exponential
 * backoff and jitter (`RETRY`), then surface as TransientError; 401/403/404 are ConfigErrors (the
 * key, the model or the base URL); a missing key for a cloud provider is a ConfigError before any
 * request; timeout, limits, an invalid answer and a call to a tool outside the gateway are
 * AgentErrors. Whatever the outcome, turns, tokens and refused calls go to `diagnose`.
 */
import { AiError, LanguageModel, Prompt, Tool, Toolkit } from "@effect/ai"
import { AnthropicClient, AnthropicLanguageModel } from "@effect/ai-anthropic"
import { OpenAiClient, OpenAiLanguageModel } from "@effect/ai-openai"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { Config, Context, Duration, Effect, Layer, Option, Redacted, Schedule, Schema } from "effect"
import { AgentError, ConfigError, TransientError } from "../../domain/Failure.js"
import type { RefusedCall } from "../Gateway.js"
import type { HarnessManifest, LlmProvider, LlmSettings } from "../Manifest.js"
import { checkOutput, parseAnswer } from "../OutputCheck.js"
import type { HarnessRuntime, ProbeResult, RunContext, RunDiagnostics, RunFailure, RunOutcome } from "../Runtime.js"
import { GATEWAY_TOOLS } from "../tools/index.js"
import { makeChatCompletionsModel } from "./ChatCompletions.js"

/** Where each provider answers when the manifest names no `llm.base_url`. */
export const DEFAULT_BASE_URLS: Readonly<Record<LlmProvider, string | undefined>> = {
  anthropic: "https://api.anthropic.com",
  openai: "https://api.openai.com/v1",
  ollama: "http://127.0.0.1:11434/v1",
  lmstudio: "http://127.0.0.1:1234/v1",
  "openai-compatible": undefined
}

/** Providers that run on the machine: no key needed, a larger default turn budget. */
export const LOCAL_PROVIDERS: ReadonlySet<LlmProvider> = new Set(["ollama", "lmstudio"])

/** Retries of one request that failed transiently: 4 more attempts, 250 ms doubling, jittered (about 4 s in all at most). */
export const RETRY = { attempts: 4, baseDelayMs: 250 } as const

/** The most tokens one turn may produce (and never more than the run has left). */
const MAX_TURN_TOKENS = 4096
/** The most of the task's inline events put in the prompt, in bytes of JSON. */
const MAX_INLINE_EVENTS_BYTES = 64 * 1024
/** How long a probe waits for the endpoint. */
const PROBE_TIMEOUT = Duration.seconds(5)

/** The base URL the harness talks to. */
export const baseUrlOf = (settings: LlmSettings): string | undefined => settings.base_url ?? DEFAULT_BASE_URLS[settings.provider]

const fixOf = (manifest: HarnessManifest): string => `myco harness check ${manifest.name}`

const configError = (manifest: HarnessManifest, message: string, hint: string) =>
  new ConfigError({ message: `harness ${manifest.name}: ${message}`, hint, fix: fixOf(manifest), path: manifest.source })

/** The manifest's llm settings, base URL and key, or the ConfigError that says what to fix. */
const resolveSettings = (manifest: HarnessManifest) =>
  Effect.gen(function* () {
    const settings = manifest.llm
    if (settings === undefined) return yield* Effect.fail(configError(manifest, "an llm harness needs an `llm:` section", "add llm.provider and llm.model to the manifest"))
    const baseUrl = baseUrlOf(settings)
    if (baseUrl === undefined) return yield* Effect.fail(configError(manifest, "provider openai-compatible has no default base URL", "set llm.base_url to the server's OpenAI API root, e.g. http://127.0.0.1:8000/v1"))
    const cloud = settings.provider === "anthropic" || settings.provider === "openai"
    const envName = settings.api_key_env ?? (settings.provider === "anthropic" ? "ANTHROPIC_API_KEY" : settings.provider === "openai" ? "OPENAI_API_KEY" : undefined)
    let apiKey: Redacted.Redacted | undefined
    if (envName !== undefined) {
      const found = yield* Config.option(Config.redacted(envName)).pipe(Effect.orElseSucceed(() => Option.none<Redacted.Redacted>()))
      if (Option.isNone(found) || Redacted.value(found.value) === "") {
        if (cloud || settings.api_key_env !== undefined) {
          return yield* Effect.fail(configError(manifest, `no API key: the environment variable ${envName} is not set`, `export ${envName}=<your ${settings.provider} key> in the supervisor's environment (llm.api_key_env names the variable)`))
        }
      } else {
        apiKey = found.value
      }
    }
    return { settings, baseUrl, apiKey, envName }
  })

/** How a failed request is classified. */
const classify = (manifest: HarnessManifest, envName: string | undefined, error: AiError.AiError): RunFailure => {
  if (error._tag === "HttpRequestError") {
    return new TransientError({ operation: `harness.${manifest.name}.request`, message: `the model endpoint did not answer: ${error.message}`, code: error.reason })
  }
  if (error._tag === "HttpResponseError") {
    const status = error.response.status
    if (status === 429 || status >= 500) {
      return new TransientError({ operation: `harness.${manifest.name}.request`, message: `the model endpoint answered ${status}`, code: `HTTP_${status}` })
    }
    if (status === 401 || status === 403) {
      return configError(manifest, `the model endpoint refused the API key (${status})`, envName === undefined ? "set llm.api_key_env to the variable holding a valid key" : `check the key in ${envName}`)
    }
    if (status === 404) {
      return configError(manifest, `the model or the endpoint was not found (404) at ${error.request.url}`, "check llm.model (is the model pulled / loaded?) and llm.base_url")
    }
    return new AgentError({ actor: `harness:${manifest.name}`, message: `the model endpoint rejected the request (${status}): ${error.description ?? error.message}`.slice(0, 2000) })
  }
  return new AgentError({ actor: `harness:${manifest.name}`, message: `the model's answer could not be used: ${error.message}`.slice(0, 2000), limit: "tool" })
}

const isTransient = (failure: RunFailure): boolean => failure._tag === "TransientError"

/** How @effect/ai's Toolkit names a tool call it has no tool for. */
const UNKNOWN_TOOL = /Failed to find tool with name '([^']{1,200})'/

/** The error a refused or failed tool call returns to the model. */
const ToolError = Schema.Struct({ error: Schema.String })

/**
 * The gateway's tools as an @effect/ai Toolkit. Every gateway tool is in it (so that a call to one
 * the manifest does not allow reaches the gateway, which refuses and records it); only the allowed
 * ones are offered to the model. Arguments are not decoded here: the parameters Schema accepts any
 * object and carries the tool's own JSON Schema for the model; the gateway decodes.
 */
const gatewayToolkit = () => {
  const tools = [...GATEWAY_TOOLS.values()].map((tool) =>
    Tool.make(tool.name, {
      description: tool.description,
      parameters: {},
      success: Schema.Unknown,
      failure: ToolError,
      failureMode: "return"
    }).setParameters(Schema.Struct({}, Schema.Record({ key: Schema.String, value: Schema.Unknown })).annotations({ jsonSchema: tool.inputJsonSchema }))
  )
  return Toolkit.make(...tools)
}

/** The prompt's first message: the task, the session, its first events, the tools, the output's schema. */
const taskPrompt = (context: RunContext): { readonly system: string; readonly user: string } => {
  const task = context.task
  let inline = JSON.stringify(task.events.inline) ?? "[]"
  if (Buffer.byteLength(inline, "utf8") > MAX_INLINE_EVENTS_BYTES) inline = `${inline.slice(0, MAX_INLINE_EVENTS_BYTES)}… [cut: read the rest with the events tool]`
  const tools = context.gateway.tools.map((t) => t.name)
  const system = [
    `You carry out the task "${task.task.name}" on a recorded coding session.`,
    tools.length > 0 ? `You may call these tools: ${tools.join(", ")}. No other tool exists.` : "You have no tools.",
    "When you are done, answer with only the output as one JSON document (no prose), following this JSON Schema:",
    JSON.stringify(task.task.outputSchema)
  ].join("\n")
  const user = [
    task.task.instructions,
    "",
    `Session: ${JSON.stringify(task.session)}`,
    `Events (${task.events.inline.length} of ${task.events.total}${task.events.more ? "; read the rest with the events tool" : ""}):`,
    inline
  ].join("\n")
  return { system, user }
}

/** The LanguageModel of a harness, over the given HTTP client. */
const modelLayer = (
  provider: LlmProvider,
  model: string,
  baseUrl: string,
  apiKey: Redacted.Redacted | undefined,
  maxTokens: number
): Layer.Layer<LanguageModel.LanguageModel, never, HttpClient.HttpClient> => {
  switch (provider) {
    case "anthropic":
      return AnthropicLanguageModel.layer({ model, config: { max_tokens: maxTokens } }).pipe(Layer.provide(AnthropicClient.layer({ apiKey, apiUrl: baseUrl })))
    case "openai":
      return OpenAiLanguageModel.layer({ model, config: { max_output_tokens: maxTokens, strict: false } }).pipe(Layer.provide(OpenAiClient.layer({ apiKey, apiUrl: baseUrl })))
    default:
      return Layer.effect(LanguageModel.LanguageModel, makeChatCompletionsModel({ baseUrl, apiKey, model, maxTokens }))
  }
}

/** What a run counts as it goes. */
interface Counters {
  turns: number
  inputTokens: number
  outputTokens: number
  outputBytes: number
}

const runLlm = (client: HttpClient.HttpClient, context: RunContext): Effect.Effect<RunOutcome, RunFailure> => {
  const manifest = context.manifest
  const actor = `harness:${manifest.name}`
  const limits = manifest.limits
  const counters: Counters = { turns: 0, inputTokens: 0, outputTokens: 0, outputBytes: 0 }
  const usage = () => ({ turns: counters.turns, inputTokens: counters.inputTokens, outputTokens: counters.outputTokens })
  const refusedOf = context.gateway.refused ?? Effect.succeed<ReadonlyArray<RefusedCall>>([])

  /** The limit that stopped the run, for its diagnostics. */
  let hit: RunDiagnostics["limit"] | undefined
  const agentError = (message: string, limit?: RunDiagnostics["limit"]) => {
    hit = limit
    return new AgentError({ actor, message, ...(limit === undefined ? {} : { limit: limit === "timeout" ? "time" : limit }) })
  }

  const loop = Effect.gen(function* () {
    const { settings, baseUrl, apiKey, envName } = yield* resolveSettings(manifest)
    const toolkit = gatewayToolkit()
    const handlers = yield* toolkit.toContext(
      Object.fromEntries(
        [...GATEWAY_TOOLS.keys()].map((name) => [
          name,
          (params: unknown) =>
            context.gateway.call(name, params).pipe(
              Effect.catchAll((e) => Effect.fail({ error: e._tag === "ToolRefused" ? `refused: ${e.reason}` : `failed: ${e.message}` }))
            )
        ])
      )
    )
    const offered = context.gateway.tools.map((t) => t.name)
    const { system, user } = taskPrompt(context)
    let prompt = Prompt.make([
      { role: "system", content: system },
      { role: "user", content: [{ type: "text", text: user }] }
    ])
    const retry = Schedule.exponential(Duration.millis(RETRY.baseDelayMs)).pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(RETRY.attempts)))

    while (counters.turns < limits.turns) {
      const used = counters.inputTokens + counters.outputTokens
      if (used >= limits.tokens) return yield* Effect.fail(agentError(`the token limit (${limits.tokens}) was reached after ${counters.turns} turns`, "tokens"))
      const maxTokens = Math.max(1, Math.min(MAX_TURN_TOKENS, limits.tokens - used))
      const turn = LanguageModel.generateText({
        prompt,
        ...(offered.length === 0 ? {} : { toolkit, toolChoice: { oneOf: offered } })
      }).pipe(
        Effect.provide(modelLayer(settings.provider, settings.model, baseUrl, apiKey, maxTokens)),
        Effect.provide(handlers),
        Effect.provideService(HttpClient.HttpClient, client),
        // A call to a tool outside the gateway cannot be answered (the Toolkit does not know it):
        // it is handed to the gateway, which refuses and records it, and the run ends on the tool limit.
        Effect.tapError((error) => {
          const unknown = error._tag === "MalformedOutput" ? UNKNOWN_TOOL.exec(error.description ?? "")?.[1] : undefined
          return unknown === undefined ? Effect.void : Effect.ignore(context.gateway.call(unknown, {}))
        }),
        Effect.mapError((error) => {
          const failure = classify(manifest, envName, error)
          if (failure._tag === "AgentError" && failure.limit === "tool") hit = "tool"
          return failure
        }),
        Effect.retry({ schedule: retry, while: isTransient })
      )
      const response = yield* turn
      counters.turns += 1
      counters.inputTokens += response.usage.inputTokens ?? 0
      counters.outputTokens += response.usage.outputTokens ?? 0
      counters.outputBytes += Buffer.byteLength(response.text, "utf8")
      if (counters.outputBytes > limits.output) return yield* Effect.fail(agentError(`the model produced more than ${limits.output} bytes of text`, "output"))
      if (counters.inputTokens + counters.outputTokens > limits.tokens) {
        return yield* Effect.fail(agentError(`the token limit (${limits.tokens}) was passed: ${counters.inputTokens + counters.outputTokens} tokens in ${counters.turns} turns`, "tokens"))
      }
      prompt = Prompt.merge(prompt, Prompt.fromResponseParts(response.content))

      const written = yield* context.gateway.writtenResult
      const hasCalls = response.toolCalls.length > 0
      if (written !== undefined && checkOutput(context.task.task.outputSchema, written).length === 0) return { output: written, usage: usage() }
      if (hasCalls) continue

      const answer = written !== undefined ? { ok: true as const, value: written } : parseAnswer(response.text)
      const problems = answer.ok ? checkOutput(context.task.task.outputSchema, answer.value) : ["the answer is not a JSON document"]
      if (answer.ok && problems.length === 0) return { output: answer.value, usage: usage() }
      if (counters.turns >= limits.turns) {
        return yield* Effect.fail(agentError(`the model's answer does not follow the output schema after ${counters.turns} turns: ${problems.join("; ")}`.slice(0, 2000), "turns"))
      }
      prompt = Prompt.merge(prompt, Prompt.make([
        { role: "user", content: [{ type: "text", text: `Your answer is not valid: ${problems.join("; ")}. Answer again with only the JSON document, following the schema.` }] }
      ]))
    }
    return yield* Effect.fail(agentError(`the turn limit (${limits.turns}) was reached before an answer`, "turns"))
  })

  return loop.pipe(
    Effect.timeoutFail({ duration: Duration.millis(limits.timeout), onTimeout: () => agentError(`the run timed out after ${limits.timeout} ms (${counters.turns} turns done)`, "timeout") }),
    Effect.tapError((failure) =>
      Effect.flatMap(refusedOf, (refused) =>
        context.diagnose({
          usage: usage(),
          ...(refused.length === 0 ? {} : { refusedTools: refused }),
          ...(hit === undefined ? {} : { limit: hit }),
          note: failure.message.slice(0, 2000)
        })
      )
    ),
    Effect.tap(() => Effect.flatMap(refusedOf, (refused) => context.diagnose({ usage: usage(), ...(refused.length === 0 ? {} : { refusedTools: refused }) })))
  )
}

/** Checks that the endpoint answers (`GET /v1/models` or `/models`) and that a key is there, with a short timeout. */
const probeLlm = (client: HttpClient.HttpClient, manifest: HarnessManifest): Effect.Effect<ProbeResult> =>
  Effect.gen(function* () {
    const { settings, baseUrl, apiKey } = yield* resolveSettings(manifest)
    const anthropic = settings.provider === "anthropic"
    const url = `${baseUrl.replace(/\/+$/, "")}${anthropic ? "/v1/models" : "/models"}`
    let request = HttpClientRequest.get(url, { acceptJson: true })
    if (apiKey !== undefined) {
      request = anthropic
        ? HttpClientRequest.setHeaders(request, { "x-api-key": Redacted.value(apiKey), "anthropic-version": "2023-06-01" })
        : HttpClientRequest.bearerToken(request, Redacted.value(apiKey))
    }
    const response = yield* client.execute(request).pipe(Effect.scoped, Effect.timeout(PROBE_TIMEOUT))
    const status = response.status
    if (status >= 200 && status < 300) return { ok: true, detail: `${settings.provider} endpoint ${baseUrl} answers (GET ${new URL(url).pathname}: ${status})` }
    if (status === 401 || status === 403) return { ok: false, detail: `${settings.provider} endpoint ${baseUrl} refused the API key (${status})` }
    return { ok: false, detail: `${settings.provider} endpoint ${baseUrl} answered ${status} to GET ${new URL(url).pathname}` }
  }).pipe(
    Effect.catchAll((failure): Effect.Effect<ProbeResult> =>
      Effect.succeed({
        ok: false,
        detail:
          failure._tag === "ConfigError"
            ? `${failure.message} (${failure.hint})`
            : failure._tag === "TimeoutException"
              ? `the endpoint did not answer within ${Duration.format(PROBE_TIMEOUT)}`
              : `the endpoint did not answer: ${failure.message}`
      })
    )
  )

/** The llm runtime over an HTTP client. */
export const makeLlmRuntime: Effect.Effect<HarnessRuntime, never, HttpClient.HttpClient> = Effect.map(HttpClient.HttpClient, (client) => ({
  kind: "llm",
  probe: (manifest) => probeLlm(client, manifest),
  run: (context) => runLlm(client, context)
}))

/** The llm runtime, as a service (the Runtimes registry takes it by kind). */
export class LlmRuntime extends Context.Tag("myco/harness/LlmRuntime")<LlmRuntime, HarnessRuntime>() {}

/** The llm runtime over the platform's fetch client. */
export const layer: Layer.Layer<LlmRuntime> = Layer.effect(LlmRuntime, makeLlmRuntime).pipe(Layer.provide(FetchHttpClient.layer))

