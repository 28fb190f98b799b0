/**
 * A scripted stand-in for the OpenAI API: Chat Completions (`POST /v1/chat/completions`), as
 * OpenAI, Ollama, LM Studio and vLLM serve it, the Responses API (`POST /v1/responses`, what
 * @effect/ai-openai speaks to OpenAI), and `GET /v1/models`. Each model request is
 * answered by the next scripted turn (text, tool calls), after the scripted `faults` (an HTTP
 * status with an OpenAI error body, or `hang`: no answer until the server closes). Every request
 * is recorded.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import type { Fault, ScriptedTurn } from "./model-server.js"

export interface OpenAiRecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: unknown
}

export interface OpenAiServer {
  readonly url: string
  readonly requests: ReadonlyArray<OpenAiRecordedRequest>
  readonly completions: () => ReadonlyArray<OpenAiRecordedRequest>
  readonly close: () => Promise<void>
}

let counter = 0

export const startOpenAiServer = async (script: ReadonlyArray<ScriptedTurn>, options: { readonly faults?: ReadonlyArray<Fault> } = {}): Promise<OpenAiServer> => {
  const requests: Array<OpenAiRecordedRequest> = []
  const faults = [...(options.faults ?? [])]
  let turn = 0
  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" })
    res.end(JSON.stringify(body))
  }
  const handle = (req: http.IncomingMessage, raw: string, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    let body: unknown = raw
    try {
      body = raw === "" ? undefined : JSON.parse(raw)
    } catch {
      // kept raw
    }
    requests.push({ method: req.method ?? "GET", path: url.pathname, headers: req.headers, body })
    if (req.method === "GET" && url.pathname === "/v1/models") return send(res, 200, { object: "list", data: [{ id: "local-model", object: "model", owned_by: "test" }] })
    const model = (url.pathname === "/v1/chat/completions" || url.pathname === "/v1/responses") && req.method === "POST"
    const fault = model ? faults.shift() : undefined
    if (fault === "hang") return
    if (fault !== undefined) return send(res, fault, { error: { message: `scripted ${fault}`, type: fault === 429 ? "rate_limit_exceeded" : "server_error" } })
    const scripted = model ? (script[turn++] ?? { content: [{ type: "text", text: "Done." }] }) : { content: [] }
    const text = scripted.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n")
    if (req.method === "POST" && url.pathname === "/v1/responses") {
      const output = [
        ...(text === "" ? [] : [{ id: `msg_${(counter++).toString(36)}`, type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [] }] }]),
        ...scripted.content.flatMap((b) =>
          b.type === "tool_use" ? [{ id: `fc_${(counter++).toString(36)}`, type: "function_call", call_id: b.id ?? `call_${(counter++).toString(36)}`, name: b.name, arguments: JSON.stringify(b.input), status: "completed" }] : []
        )
      ]
      return send(res, 200, {
        id: `resp_${(counter++).toString(36)}`,
        object: "response",
        status: "completed",
        created_at: Math.floor(Date.now() / 1000),
        error: null,
        incomplete_details: null,
        instructions: null,
        model: "gpt-test",
        output,
        parallel_tool_calls: true,
        tools: [],
        tool_choice: "auto",
        metadata: null,
        temperature: null,
        top_p: null,
        usage: { input_tokens: 30, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 40 }
      })
    }
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
      const calls = scripted.content.flatMap((b) =>
        b.type === "tool_use" ? [{ id: b.id ?? `call_${(counter++).toString(36)}`, type: "function", function: { name: b.name, arguments: JSON.stringify(b.input) } }] : []
      )
      return send(res, 200, {
        id: `chatcmpl-${(counter++).toString(36)}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: "local-model",
        choices: [{ index: 0, finish_reason: calls.length > 0 ? "tool_calls" : "stop", message: { role: "assistant", content: text === "" ? null : text, ...(calls.length > 0 ? { tool_calls: calls } : {}) } }],
        usage: { prompt_tokens: 30, completion_tokens: 10, total_tokens: 40 }
      })
    }
    send(res, 404, { error: { message: `no ${req.method} ${url.pathname} here`, type: "not_found" } })
  }
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => handle(req, Buffer.concat(chunks).toString("utf8"), res))
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    completions: () => requests.filter((r) => r.path === "/v1/chat/completions" || r.path === "/v1/responses"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
