/**
 * A scripted stand-in for the OpenAI Chat Completions API (`POST /v1/chat/completions`), as
 * OpenAI, Ollama, LM Studio and vLLM serve it, and `GET /v1/models`. Each completion request is
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
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
      const fault = faults.shift()
      if (fault === "hang") return
      if (fault !== undefined) return send(res, fault, { error: { message: `scripted ${fault}`, type: fault === 429 ? "rate_limit_exceeded" : "server_error" } })
      const scripted = script[turn++] ?? { content: [{ type: "text", text: "Done." }] }
      const text = scripted.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n")
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
    completions: () => requests.filter((r) => r.path === "/v1/chat/completions"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
