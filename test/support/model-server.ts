/**
 * A scripted stand-in for the Anthropic Messages API, so that the real Claude Code CLI can run
 * offline (`ANTHROPIC_BASE_URL=<url>`).
 *
 * The main conversation is answered from `script`, one scripted turn per request, in order, across
 * all the prompts of a session (a retried request, recognized by its length and last message, gets
 * the same turn again). Once the script is used up, the reply is a plain "Done." text.
 *
 * Claude Code also sends side requests: subagents' conversations (the only ones seen with -p in
 * 2.1.112), and interactively session titles, topic detection, quota checks... A request without
 * `tools`, or that is not the main agent's (see `isMainConversation`), gets a harmless text reply
 * without consuming the script; a compaction request (`/compact`: the main agent's prompt and
 * tools, asking for a summary) gets a scripted summary. `count_tokens`, the `HEAD /` probe Claude
 * Code sends first and `GET /v1/models` are answered too. Every request is recorded in `requests`;
 * other endpoints get a 404 Anthropic error and a line on stderr.
 *
 * For clients other than Claude Code (myco's llm runtime), `everyRequestIsMain` answers every
 * /v1/messages request from the script, and `faults` are served first, one per main request: an
 * HTTP status (429, 500...) with an Anthropic error body, or `hang` (no answer until closed).
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** One block of a scripted assistant reply. */
export type ScriptedBlock =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "tool_use"; readonly name: string; readonly input: Readonly<Record<string, unknown>>; readonly id?: string }

/** One scripted assistant reply: its stop reason is `tool_use` when it has a tool_use block, else `end_turn`. */
export interface ScriptedTurn {
  readonly content: ReadonlyArray<ScriptedBlock>
}

/** Shorthands for writing scripts. */
export const say = (text: string): ScriptedTurn => ({ content: [{ type: "text", text }] })
export const useTool = (name: string, input: Readonly<Record<string, unknown>>, text?: string): ScriptedTurn => ({
  content: [...(text === undefined ? [] : [{ type: "text" as const, text }]), { type: "tool_use", name, input }]
})

/** A scripted failure of one request: an HTTP status, or no answer at all. */
export type Fault = number | "hang"

/** What the server made of one request. */
export type RequestKind = "main" | "side" | "compact" | "count_tokens" | "probe" | "unknown"

/** A request the server received, as it came. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: unknown
  readonly kind: RequestKind
  /** For main-conversation requests: the index of the scripted turn answered. */
  readonly turn?: number
  readonly at: number
}

/** A running model server. */
export interface ModelServer {
  readonly url: string
  readonly requests: ReadonlyArray<RecordedRequest>
  /** The main-conversation requests only. */
  readonly mainRequests: () => ReadonlyArray<RecordedRequest>
  readonly close: () => Promise<void>
}

type Json = Readonly<Record<string, unknown>>

const isRecord = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)

const systemText = (body: Json): string => {
  const system = body["system"]
  if (typeof system === "string") return system
  if (!Array.isArray(system)) return ""
  return system.map((b: unknown) => (isRecord(b) && typeof b["text"] === "string" ? b["text"] : "")).join("\n")
}

/**
 * Whether a /v1/messages request is the main agent's conversation (as opposed to a side query): it
 * carries tools, among them the subagent-spawning one (`Agent`, formerly `Task`) that subagents do
 * not get, or it has the main agent's prompt ("You are an interactive agent that helps users...");
 * and it is not a subagent's ("You are an agent for Claude Code...").
 */
export const isMainConversation = (body: Json): boolean => {
  const tools = body["tools"]
  if (!Array.isArray(tools) || tools.length === 0) return false
  const system = systemText(body)
  if (/You are an agent for Claude Code/i.test(system)) return false
  const names = tools.map((t: unknown) => (isRecord(t) ? t["name"] : undefined))
  return names.includes("Agent") || names.includes("Task") || /interactive (agent|CLI tool) that helps users/i.test(system)
}

const lastMessageText = (body: Json): string => {
  const messages = body["messages"]
  const last: unknown = Array.isArray(messages) ? messages[messages.length - 1] : undefined
  if (!isRecord(last)) return ""
  const content = last["content"]
  if (typeof content === "string") return content
  return Array.isArray(content) ? content.map((b: unknown) => (isRecord(b) && typeof b["text"] === "string" ? b["text"] : "")).join("\n") : ""
}

/** Whether a request is Claude Code's compaction (`/compact` or auto-compact), which asks for a summary. */
export const isCompaction = (body: Json): boolean => /create a detailed summary of the conversation/i.test(lastMessageText(body))

/** Identifies a main-conversation request up to retries: its length and its last message. */
const requestKey = (body: Json): string => {
  const messages = body["messages"]
  if (!Array.isArray(messages)) return ""
  const strip = (u: unknown): unknown =>
    Array.isArray(u) ? u.map(strip) : isRecord(u) ? Object.fromEntries(Object.entries(u).filter(([k]) => k !== "cache_control").map(([k, v]) => [k, strip(v)])) : u
  return `${messages.length}:${JSON.stringify(strip(messages[messages.length - 1]))}`
}

let idCounter = 0
const newId = (prefix: string): string => `${prefix}_${Date.now().toString(36)}${(idCounter++).toString(36).padStart(4, "0")}`

const usage = { input_tokens: 25, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }

const materialize = (turn: ScriptedTurn): ReadonlyArray<Json> =>
  turn.content.map((b) =>
    b.type === "text" ? { type: "text", text: b.text } : { type: "tool_use", id: b.id ?? newId("toolu"), name: b.name, input: b.input }
  )

const stopReason = (blocks: ReadonlyArray<Json>): string => (blocks.some((b) => b["type"] === "tool_use") ? "tool_use" : "end_turn")

const sse = (res: http.ServerResponse, event: string, data: Json): void => {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
}

const streamMessage = (res: http.ServerResponse, model: string, blocks: ReadonlyArray<Json>): void => {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "request-id": newId("req") })
  const id = newId("msg")
  sse(res, "message_start", {
    type: "message_start",
    message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage }
  })
  sse(res, "ping", { type: "ping" })
  blocks.forEach((block, index) => {
    if (block["type"] === "tool_use") {
      sse(res, "content_block_start", { type: "content_block_start", index, content_block: { ...block, input: {} } })
      const json = JSON.stringify(block["input"])
      const cut = Math.floor(json.length / 2)
      for (const part of [json.slice(0, cut), json.slice(cut)]) {
        sse(res, "content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: part } })
      }
    } else {
      sse(res, "content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } })
      const text = typeof block["text"] === "string" ? block["text"] : ""
      sse(res, "content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text } })
    }
    sse(res, "content_block_stop", { type: "content_block_stop", index })
  })
  sse(res, "message_delta", { type: "message_delta", delta: { stop_reason: stopReason(blocks), stop_sequence: null }, usage: { output_tokens: 12 } })
  sse(res, "message_stop", { type: "message_stop" })
  res.end()
}

const sendJson = (res: http.ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { "content-type": "application/json", "request-id": newId("req") })
  res.end(JSON.stringify(body))
}

/**
 * Starts the server on 127.0.0.1 with a free port. `log` gets a line per request; by default only
 * requests to endpoints the server does not know are written, on stderr.
 */
export const startModelServer = async (
  script: ReadonlyArray<ScriptedTurn>,
  options: { readonly log?: (line: string) => void; readonly everyRequestIsMain?: boolean; readonly faults?: ReadonlyArray<Fault> } = {}
): Promise<ModelServer> => {
  const requests: Array<RecordedRequest> = []
  const faults = [...(options.faults ?? [])]
  const turns = new Map<string, number>()
  const log = options.log ?? ((line: string) => void (line.includes(" unknown") && process.stderr.write(`[model-server] ${line}\n`)))

  const handle = (req: http.IncomingMessage, raw: string, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const method = req.method ?? "GET"
    let body: unknown = raw
    try {
      body = raw === "" ? undefined : JSON.parse(raw)
    } catch {
      // keep the raw text
    }
    const record = (kind: RequestKind, turn?: number): void => {
      requests.push({ method, path: url.pathname, headers: req.headers, body, kind, ...(turn === undefined ? {} : { turn }), at: Date.now() })
      log(`${method} ${url.pathname} ${kind}${turn === undefined ? "" : ` turn=${turn}`}`)
    }

    if (method === "POST" && url.pathname === "/v1/messages/count_tokens") {
      record("count_tokens")
      return sendJson(res, 200, { input_tokens: 100 })
    }
    if (method === "POST" && url.pathname === "/v1/messages" && isRecord(body)) {
      const model = typeof body["model"] === "string" ? body["model"] : "claude-test"
      let blocks: ReadonlyArray<Json>
      if (isCompaction(body)) {
        record("compact")
        blocks = [{ type: "text", text: "<analysis>Scripted.</analysis>\n<summary>The user ran a scripted session.</summary>" }]
      } else if (options.everyRequestIsMain === true || isMainConversation(body)) {
        const fault = faults.shift()
        if (fault !== undefined) {
          record("main")
          if (fault === "hang") return
          return sendJson(res, fault, { type: "error", error: { type: fault === 429 ? "rate_limit_error" : "api_error", message: `scripted ${fault}` } })
        }
        const key = requestKey(body)
        const turn = turns.get(key) ?? turns.size
        turns.set(key, turn)
        record("main", turn)
        const scripted = script[turn]
        blocks = materialize(scripted ?? say("Done."))
      } else {
        record("side")
        blocks = [{ type: "text", text: "Scripted session" }]
      }
      if (body["stream"] === true) return streamMessage(res, model, blocks)
      return sendJson(res, 200, {
        id: newId("msg"),
        type: "message",
        role: "assistant",
        model,
        content: blocks,
        stop_reason: stopReason(blocks),
        stop_sequence: null,
        usage: { ...usage, output_tokens: 12 }
      })
    }
    // Claude Code checks that the base URL answers (HEAD /) before its first request.
    if (method === "HEAD" && url.pathname === "/") {
      record("probe")
      return void res.writeHead(200).end()
    }
    if (method === "GET" && url.pathname === "/v1/models") {
      record("probe")
      return sendJson(res, 200, { data: [{ type: "model", id: "claude-sonnet-4-5", display_name: "Claude Sonnet 4.5", created_at: "2025-09-29T00:00:00Z" }], has_more: false, first_id: "claude-sonnet-4-5", last_id: "claude-sonnet-4-5" })
    }
    record("unknown")
    sendJson(res, 404, { type: "error", error: { type: "not_found_error", message: `no ${method} ${url.pathname} here` } })
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
    mainRequests: () => requests.filter((r) => r.kind === "main"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
