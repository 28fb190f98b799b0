/**
 * A LanguageModel (@effect/ai) over the OpenAI Chat Completions API (`POST /chat/completions`).
 * @effect/ai-openai 0.41 speaks only OpenAI's Responses API (`POST /responses`), which OpenAI
 * serves but Ollama, LM Studio, vLLM and most OpenAI-compatible servers either do not serve or
 * serve only in part; every one of them serves Chat Completions. So the llm runtime uses
 * @effect/ai-openai for provider `openai` and this model for `ollama`, `lmstudio` and
 * `openai-compatible`: the same LanguageModel port, the same Toolkit, the same failure classes
 * (HTTP errors as AiError's HttpRequestError / HttpResponseError).
 *
 * Only what the runtime uses is implemented: text generation with function tools, not streaming.
 * The response is decoded leniently (servers differ in what they add), and bounded.
 */
import { LanguageModel, Tool, AiError, type Prompt, type Response } from "@effect/ai"
import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { Effect, Redacted, Schema, Stream } from "effect"

/** What is read of a chat completion. */
const ChatCompletion = Schema.Struct({
  id: Schema.optional(Schema.String),
  model: Schema.optional(Schema.String),
  choices: Schema.Array(
    Schema.Struct({
      finish_reason: Schema.optional(Schema.NullOr(Schema.String)),
      message: Schema.Struct({
        content: Schema.optional(Schema.NullOr(Schema.String)),
        tool_calls: Schema.optional(
          Schema.NullOr(
            Schema.Array(
              Schema.Struct({
                id: Schema.optional(Schema.String),
                function: Schema.Struct({ name: Schema.String, arguments: Schema.optional(Schema.String) })
              })
            )
          )
        )
      })
    })
  ).pipe(Schema.minItems(1)),
  usage: Schema.optional(
    Schema.NullOr(
      Schema.Struct({
        prompt_tokens: Schema.optional(Schema.Number),
        completion_tokens: Schema.optional(Schema.Number),
        total_tokens: Schema.optional(Schema.Number)
      })
    )
  )
})

type ChatMessage =
  | { readonly role: "system" | "user"; readonly content: string }
  | {
      readonly role: "assistant"
      readonly content: string | null
      readonly tool_calls?: ReadonlyArray<{ readonly id: string; readonly type: "function"; readonly function: { readonly name: string; readonly arguments: string } }>
    }
  | { readonly role: "tool"; readonly tool_call_id: string; readonly content: string }

/** The prompt as chat messages: text parts joined, tool calls and results as the API names them. */
export const toChatMessages = (prompt: Prompt.Prompt): ReadonlyArray<ChatMessage> => {
  const messages: Array<ChatMessage> = []
  for (const message of prompt.content) {
    switch (message.role) {
      case "system":
        messages.push({ role: "system", content: message.content })
        break
      case "user":
        messages.push({ role: "user", content: message.content.map((part) => (part.type === "text" ? part.text : `[${part.mediaType} file]`)).join("\n") })
        break
      case "assistant": {
        const text = message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n")
        const calls = message.content.flatMap((part) =>
          part.type === "tool-call" ? [{ id: part.id, type: "function" as const, function: { name: part.name, arguments: JSON.stringify(part.params ?? {}) } }] : []
        )
        messages.push(calls.length === 0 ? { role: "assistant", content: text } : { role: "assistant", content: text === "" ? null : text, tool_calls: calls })
        for (const part of message.content) {
          if (part.type === "tool-result") messages.push({ role: "tool", tool_call_id: part.id, content: JSON.stringify(part.result) ?? "null" })
        }
        break
      }
      case "tool":
        for (const part of message.content) messages.push({ role: "tool", tool_call_id: part.id, content: JSON.stringify(part.result) ?? "null" })
        break
    }
  }
  return messages
}

const finishReason = (reason: string | null | undefined): Response.FinishPartEncoded["reason"] => {
  switch (reason) {
    case "stop":
      return "stop"
    case "length":
      return "length"
    case "tool_calls":
    case "function_call":
      return "tool-calls"
    case "content_filter":
      return "content-filter"
    default:
      return "other"
  }
}

/** The arguments of a tool call: a JSON object, or, when they are not one, what they were (the gateway refuses them). */
const parseArguments = (text: string | undefined): unknown => {
  if (text === undefined || text.trim() === "") return {}
  try {
    return JSON.parse(text)
  } catch {
    return { unparsable_arguments: text.slice(0, 1000) }
  }
}

let callCounter = 0

/** The Chat Completions model: `baseUrl` ends before `/chat/completions` (e.g. `http://127.0.0.1:11434/v1`). */
export const makeChatCompletionsModel = (options: {
  readonly baseUrl: string
  readonly apiKey: Redacted.Redacted | undefined
  readonly model: string
  readonly maxTokens: number
}): Effect.Effect<LanguageModel.Service, never, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
    const url = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`
    const generateText = (provider: LanguageModel.ProviderOptions) =>
      Effect.gen(function* () {
        const tools = provider.tools.flatMap((tool) =>
          Tool.isUserDefined(tool)
            ? [{ type: "function", function: { name: tool.name, description: tool.description ?? "", parameters: Tool.getJsonSchemaFromSchemaAst(tool.parametersSchema.ast) } }]
            : []
        )
        const body = {
          model: options.model,
          messages: toChatMessages(provider.prompt),
          max_tokens: options.maxTokens,
          stream: false,
          ...(tools.length === 0 ? {} : { tools, tool_choice: provider.toolChoice === "required" ? "required" : provider.toolChoice === "none" ? "none" : "auto" })
        }
        let request = HttpClientRequest.post(url, { body: HttpBody.unsafeJson(body), acceptJson: true })
        if (options.apiKey !== undefined) request = HttpClientRequest.bearerToken(request, Redacted.value(options.apiKey))
        const response = yield* client.execute(request).pipe(
          Effect.catchTags({
            RequestError: (error) => Effect.fail(AiError.HttpRequestError.fromRequestError({ module: "ChatCompletions", method: "generateText", error })),
            ResponseError: (error) => AiError.HttpResponseError.fromResponseError({ module: "ChatCompletions", method: "generateText", error })
          })
        )
        const json = yield* response.json.pipe(
          Effect.catchTag("ResponseError", (error) => AiError.HttpResponseError.fromResponseError({ module: "ChatCompletions", method: "generateText", error }))
        )
        const completion = yield* Schema.decodeUnknown(ChatCompletion)(json).pipe(
          Effect.mapError((error) => AiError.MalformedOutput.fromParseError({ module: "ChatCompletions", method: "generateText", error }))
        )
        const choice = completion.choices[0]
        const parts: Array<Response.PartEncoded> = [
          { type: "response-metadata", ...(completion.id === undefined ? {} : { id: completion.id }), ...(completion.model === undefined ? {} : { modelId: completion.model }) }
        ]
        const text = choice?.message.content ?? ""
        if (text !== "") parts.push({ type: "text", text })
        for (const call of choice?.message.tool_calls ?? []) {
          parts.push({ type: "tool-call", id: call.id ?? `call_${(callCounter++).toString(36)}`, name: call.function.name, params: parseArguments(call.function.arguments) })
        }
        const usage = completion.usage ?? {}
        parts.push({
          type: "finish",
          reason: (choice?.message.tool_calls?.length ?? 0) > 0 ? "tool-calls" : finishReason(choice?.finish_reason),
          usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens, totalTokens: usage.total_tokens }
        })
        return parts
      })
    return yield* LanguageModel.make({
      generateText,
      streamText: () => Stream.fail(new AiError.UnknownError({ module: "ChatCompletions", method: "streamText", description: "streaming is not supported by this model" }))
    })
  })
