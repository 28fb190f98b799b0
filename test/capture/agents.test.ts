/**
 * The per-agent hook normalisers and the hook's replies, driven by a corpus of payloads as the
 * agents send them (test/fixtures/agents/<agent>/<EventName>[.<variant>].json): real event
 * shapes from each agent's published contract, large tool responses, missing and wrong-typed
 * fields, fields no contract names yet, and events the normalisers do not know.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { isDeepStrictEqual } from "node:util"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { AGENT_EVENTS, AGENTS as REGISTERED, normalize, replyFor } from "../../src/agents/index.js"
import { embeddedJson } from "../../src/agents/Contract.js"

import { CANONICAL_KINDS, type CanonicalKind, type NormalizedEvent } from "../../src/domain/CanonicalEvent.js"


const FIXTURES = fileURLToPath(new URL("../fixtures/agents", import.meta.url))
const AGENTS = Object.keys(AGENT_EVENTS)

interface Fixture {
  readonly agent: string
  readonly file: string
  readonly event: string
  readonly payload: unknown
}

const corpus: ReadonlyArray<Fixture> = AGENTS.flatMap((agent) =>
  fs
    .readdirSync(path.join(FIXTURES, agent))
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file): Fixture => {
      const payload: unknown = JSON.parse(fs.readFileSync(path.join(FIXTURES, agent, file), "utf8"))
      return { agent, file, event: file.split(".")[0] ?? file, payload }
    })
)

const fixture = (agent: string, file: string): Fixture => {
  const found = corpus.find((f) => f.agent === agent && f.file === `${file}.json`)
  if (found === undefined) throw new Error(`no fixture ${agent}/${file}.json`)
  return found
}

const run = (f: Fixture): NormalizedEvent => normalize(f.agent, f.event, f.payload)

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)

/** Whether `needle` occurs (deeply equal) anywhere in `haystack`. */
const occurs = (haystack: unknown, needle: unknown): boolean =>
  isDeepStrictEqual(haystack, needle) || (typeof haystack === "object" && haystack !== null && Object.values(haystack).some((value) => occurs(value, needle)))

/** Whether `value` is kept: found whole in the event, or each of its fields is. */
const kept = (event: NormalizedEvent, value: unknown): boolean =>
  occurs(event, value) ||
  // A field sent as JSON text (Cursor's tool_output) is kept decoded.
  (typeof value === "string" && embeddedJson(value) !== value && kept(event, embeddedJson(value))) || (isRecord(value) && Object.keys(value).length > 0 && Object.values(value).every((field) => kept(event, field)))

/** The kinds an event may be refined to at run time (a failed tool run, an aborted turn...). */
const REFINEMENTS: Partial<Record<CanonicalKind, ReadonlyArray<CanonicalKind>>> = {
  "tool.use": ["tool.failure"],
  "turn.end": ["turn.failure", "notification"]
}

const listedKind = (agent: string, event: string): CanonicalKind | undefined => AGENT_EVENTS[agent]?.find((e) => e.event === event)?.kind

describe("AGENT_EVENTS", () => {
  it("lists, for each of the six agents, distinct events of canonical kinds", () => {
    expect(AGENTS.sort()).toEqual(["claude-code", "codex", "cursor", "gemini-cli", "vscode-copilot", "windsurf"])
    for (const agent of AGENTS) {
      const events = AGENT_EVENTS[agent] ?? []
      expect(events.length).toBeGreaterThan(0)
      expect(new Set(events.map((e) => e.event)).size).toBe(events.length)
      for (const { kind } of events) {
        expect(CANONICAL_KINDS).toContain(kind)
        expect(kind).not.toBe("unknown")
      }
    }
  })

  it("has at least one corpus payload for every event it lists", () => {
    const missing = AGENTS.flatMap((agent) =>
      (AGENT_EVENTS[agent] ?? []).filter(({ event }) => !corpus.some((f) => f.agent === agent && f.event === event)).map(({ event }) => `${agent}/${event}`)
    )
    expect(missing).toEqual([])
  })
})

describe("every corpus payload", () => {
  it.each(corpus.map((f) => [`${f.agent}/${f.file}`, f] as const))("%s: normalises to its listed kind and loses nothing", (_name, f) => {
    const event = run(f)
    const listed = listedKind(f.agent, f.event)
    if (listed === undefined) {
      expect(event.kind).toBe("unknown")
      expect(event.warnings).toContain(`unknown ${f.agent} hook event "${f.event}": stored raw`)
      expect(event.extra).toEqual(f.payload)
    } else {
      expect([listed, ...(REFINEMENTS[listed] ?? [])]).toContain(event.kind)
    }
    expect(isRecord(f.payload)).toBe(true)
    if (!isRecord(f.payload)) return
    // Every field is in extra as sent, or represented in the canonical event.
    for (const [key, value] of Object.entries(f.payload)) expect(kept(event, value), `field "${key}" lost`).toBe(true)
    for (const [key, value] of Object.entries(event.extra)) {
      expect(Object.hasOwn(f.payload, key), `extra "${key}" is not a payload field`).toBe(true)
      const sent = f.payload[key]
      // A nested object (Windsurf's tool_info) keeps only its unmapped fields.
      if (isRecord(sent) && isRecord(value) && !isDeepStrictEqual(sent, value)) {
        for (const [field, rest] of Object.entries(value)) expect(rest).toEqual(sent[field])
      } else expect(value).toEqual(sent)
    }
  })
})

describe("claude-code", () => {
  const SESSION = "3f2c9a4e-8b1d-4c6e-9f0a-2d7b5e1c8a93"

  it("maps SessionStart with its source, model, cwd and transcript", () => {
    const e = run(fixture("claude-code", "SessionStart"))
    expect(e).toMatchObject({
      kind: "session.start",
      agentSessionId: SESSION,
      source: "startup",
      cwd: "/home/dev/acme-api",
      transcriptPath: `/home/dev/.claude/projects/-home-dev-acme-api/${SESSION}.jsonl`,
      data: { model: "claude-sonnet-4-6" },
      warnings: []
    })
    expect(run(fixture("claude-code", "SessionStart.resume")).source).toBe("resume")
  })

  it("keeps an unknown session source raw, with a warning", () => {
    const e = run(fixture("claude-code", "SessionStart.unknown-source"))
    expect(e.source).toBeNull()
    expect(e.extra["source"]).toBe("teleport")
    expect(e.warnings.join("\n")).toMatch(/"source" "teleport"/)
  })

  it("maps PostToolUse to tool.use whose response is the payload's tool_response, and keeps unknown fields", () => {
    const f = fixture("claude-code", "PostToolUse")
    const payload = f.payload as Record<string, unknown>
    const e = run(f)
    expect(e.kind).toBe("tool.use")
    expect(e.data.tool).toEqual({ name: "Write", input: payload["tool_input"], response: payload["tool_response"], callId: "toolu_01ABC123DEF456GHI789JKL0", files: ["/home/dev/acme-api/src/routes/orders.ts"] })
    expect(e.extra).toEqual({ hook_event_name: "PostToolUse", permission_mode: "acceptEdits", future_field: { added_in: "2.9.0", nested: [1, 2, 3] } })
  })

  it("keeps a large tool response whole", () => {
    for (const name of ["PostToolUse.bash-large", "PostToolUse.read-large"]) {
      const f = fixture("claude-code", name)
      const e = run(f)
      expect(e.data.tool?.response).toEqual((f.payload as Record<string, unknown>)["tool_response"])
      expect(JSON.stringify(e.data.tool?.response).length).toBeGreaterThan(20_000)
    }
  })

  it("maps tool failures, denials, prompts, notifications and permission requests", () => {
    expect(run(fixture("claude-code", "PostToolUseFailure"))).toMatchObject({
      kind: "tool.failure",
      data: { error: "Command exited with non-zero status code 1", tool: { name: "Bash", error: "Command exited with non-zero status code 1" } },
      extra: { is_interrupt: false }
    })
    expect(run(fixture("claude-code", "PermissionDenied")).data.error).toBe("Auto mode denied: command targets a path outside the project")
    expect(run(fixture("claude-code", "UserPromptSubmit")).data.prompt).toBe("Add pagination to GET /orders and update the tests")
    expect(run(fixture("claude-code", "PreToolUse"))).toMatchObject({ kind: "tool.request", data: { tool: { name: "Bash", callId: "toolu_01QxR8mZ3nWcT5vYbK2pLd7e" } } })
    expect(run(fixture("claude-code", "Notification")).data).toEqual({ message: "Claude needs your permission to use Bash", reason: "permission_prompt" })
    expect(run(fixture("claude-code", "PermissionRequest"))).toMatchObject({ kind: "notification", data: { tool: { name: "Bash" } } })
  })

  it("maps subagents, turn end and failure, compaction and session end", () => {
    expect(run(fixture("claude-code", "SubagentStart")).data.subagent).toEqual({ id: "agent-a1b2c3d4", type: "Explore" })
    expect(run(fixture("claude-code", "SubagentStop")).data.subagent).toMatchObject({ id: "agent-a1b2c3d4", type: "Explore", response: expect.stringMatching(/^Found 3 call sites/) })
    expect(run(fixture("claude-code", "Stop"))).toMatchObject({ kind: "turn.end", data: { response: expect.stringMatching(/^Pagination is in place/) } })
    expect(run(fixture("claude-code", "StopFailure"))).toMatchObject({
      kind: "turn.failure",
      data: { error: "rate_limit" },
      extra: { error_details: "429 Too Many Requests", last_assistant_message: "API Error: Rate limit reached" }
    })
    expect(run(fixture("claude-code", "PreCompact")).data.reason).toBe("auto")
    expect(run(fixture("claude-code", "PostCompact"))).toMatchObject({ kind: "compaction", data: { reason: "manual" } })
    expect(run(fixture("claude-code", "SessionEnd"))).toMatchObject({ kind: "session.end", data: { reason: "prompt_input_exit" } })
  })

  it("reports wrong-typed and missing fields, keeping them raw", () => {
    const wrong = run(fixture("claude-code", "PostToolUse.wrong-types"))
    expect(wrong.kind).toBe("tool.use")
    expect(wrong.agentSessionId).toBeNull()
    expect(wrong.data.tool).toBeUndefined()
    expect(wrong.extra).toMatchObject({ session_id: 42, cwd: ["/home/dev/acme-api"], tool_name: { name: "Bash" }, tool_use_id: 7 })
    for (const field of ["session_id", "cwd", "tool_name", "tool_use_id"]) expect(wrong.warnings.some((w) => w.includes(`"${field}"`))).toBe(true)
    const missing = run(fixture("claude-code", "PostToolUse.missing-fields"))
    expect(missing.warnings).toEqual(['claude-code PostToolUse: missing "session_id"', 'claude-code PostToolUse: missing "tool_name"'])
    expect(missing.extra).toEqual({ hook_event_name: "PostToolUse", tool_response: { stdout: "ok" } })
  })

  it("warns when the payload names another event than the hook was run for", () => {
    const e = normalize("claude-code", "Stop", { session_id: SESSION, hook_event_name: "SubagentStop" })
    expect(e.warnings).toEqual(['claude-code Stop: "hook_event_name" is "SubagentStop", not "Stop"'])
  })

  it("stores an event it does not know raw, still attributed to its session", () => {
    const e = run(fixture("claude-code", "CwdChanged"))
    expect(e).toMatchObject({ kind: "unknown", agentSessionId: SESSION, data: {} })
    expect(e.warnings).toEqual(['unknown claude-code hook event "CwdChanged": stored raw'])
  })
})

describe("codex", () => {
  const THREAD = "019d036d-c7fa-72d2-b6fd-78878bfe34e4"

  it("maps the lifecycle hooks", () => {
    expect(run(fixture("codex", "SessionStart"))).toMatchObject({ kind: "session.start", source: "startup", agentSessionId: THREAD, data: { model: "gpt-5-codex" } })
    expect(run(fixture("codex", "PostToolUse")).data.tool).toMatchObject({ name: "Bash", callId: "call_Fh2kL9mN3pQ4rS5t", response: expect.stringContaining("exit code 101") })
    expect(run(fixture("codex", "Stop")).data.response).toMatch(/^Fixed:/)
    expect(run(fixture("codex", "StopFailure"))).toMatchObject({ kind: "turn.failure", data: { error: "overloaded" } })
    expect(run(fixture("codex", "SubagentStop")).data.subagent).toMatchObject({ type: "explorer", response: expect.any(String) })
    expect(run(fixture("codex", "SessionEnd"))).toMatchObject({ kind: "session.end", data: { reason: "other" } })
  })

  it("accepts the null Codex sends for a missing transcript or message", () => {
    const e = run(fixture("codex", "Stop.null-fields"))
    expect(e).toMatchObject({ kind: "turn.end", transcriptPath: null, warnings: [] })
    expect(e.data.response).toBeUndefined()
    expect(e.extra).toMatchObject({ transcript_path: null, last_assistant_message: null })
  })

  it("translates a forked session to a start, keeping Codex's word", () => {
    const e = run(fixture("codex", "SessionStart.fork"))
    expect(e.source).toBe("startup")
    expect(e.extra["source"]).toBe("fork")
  })

  it("maps notify's turn completion to turn.end with the answer, by its thread id", () => {
    const e = run(fixture("codex", "notify"))
    expect(e).toMatchObject({ kind: "turn.end", agentSessionId: THREAD, cwd: "/home/dev/wizard-tower", warnings: [] })
    expect(e.data.response).toMatch(/^Fixed:/)
    expect(e.extra).toMatchObject({ type: "agent-turn-complete", "input-messages": ["why does `cargo test` fail on the lexer?"] })
    expect(run(fixture("codex", "notify.other-type"))).toMatchObject({ kind: "notification", data: { reason: "approval-requested" } })
  })
})

describe("cursor", () => {
  const CONVERSATION = "b7e3f1a2-6c4d-4e8f-9a0b-1c2d3e4f5a6b"

  it("identifies the session by conversation_id and the cwd by the tool's directory or the first workspace root", () => {
    const prompt = run(fixture("cursor", "beforeSubmitPrompt"))
    expect(prompt).toMatchObject({ kind: "prompt", agentSessionId: CONVERSATION, cwd: "/Users/dev/shop-web", data: { prompt: "Make the product grid responsive below 640px" } })
    expect(prompt.extra).toMatchObject({ generation_id: "d9c8b7a6-5e4f-4a3b-2c1d-0e9f8a7b6c5d", workspace_roots: ["/Users/dev/shop-web", "/Users/dev/shop-shared"] })
    expect(run(fixture("cursor", "sessionStart"))).toMatchObject({ kind: "session.start", source: "startup", agentSessionId: CONVERSATION })
  })

  it("maps the generic and the specialised tool events", () => {
    expect(run(fixture("cursor", "postToolUse")).data.tool).toEqual({ name: "Shell", input: { command: "pnpm test" }, callId: "tool_0a1b2c3e", response: { exitCode: 0, stdout: "All tests passed" }, command: "pnpm test" })
    expect(run(fixture("cursor", "postToolUseFailure"))).toMatchObject({ kind: "tool.failure", data: { error: "Command timed out after 30s" }, extra: { failure_type: "timeout" } })
    expect(run(fixture("cursor", "beforeShellExecution")).data.tool).toEqual({ name: "Shell", input: { command: "git push origin feature/grid" }, command: "git push origin feature/grid" })
    const shell = run(fixture("cursor", "afterShellExecution"))
    expect(String(shell.data.tool?.response).length).toBeGreaterThan(20_000)
    expect(run(fixture("cursor", "afterFileEdit")).data.tool?.input).toEqual({
      file_path: "/Users/dev/shop-web/src/components/ProductGrid.tsx",
      edits: [{ old_string: "grid-cols-4", new_string: "grid-cols-2 sm:grid-cols-4" }]
    })
    expect(run(fixture("cursor", "afterMCPExecution")).data.tool).toMatchObject({ name: "create_issue", response: { id: "WEB-231" } })
    expect(run(fixture("cursor", "beforeReadFile")).extra).toHaveProperty("content")
  })

  it("maps turn end and failure, subagents, compaction and session end", () => {
    expect(run(fixture("cursor", "afterAgentResponse")).data.response).toMatch(/^The grid now uses/)
    expect(run(fixture("cursor", "stop")).kind).toBe("turn.end")
    expect(run(fixture("cursor", "stop.aborted"))).toMatchObject({ kind: "turn.failure", data: { error: "aborted" }, extra: { status: "aborted" } })
    expect(run(fixture("cursor", "subagentStart")).data.subagent).toEqual({ id: "sa-3f9e", type: "explore" })
    expect(run(fixture("cursor", "subagentStop")).data.subagent).toEqual({ type: "explore", response: "Two places: ProductGrid.tsx:14 and theme.ts:88." })
    expect(run(fixture("cursor", "preCompact")).data.reason).toBe("auto")
    expect(run(fixture("cursor", "sessionEnd"))).toMatchObject({ kind: "session.end", data: { reason: "error", error: "Connection to the model provider was lost" } })
  })

  it("reports wrong types and still maps the rest", () => {
    const e = run(fixture("cursor", "postToolUse.wrong-types"))
    expect(e).toMatchObject({ kind: "tool.use", agentSessionId: null, cwd: null, data: { tool: { name: "Read", response: "# Shop" } } })
    expect(e.warnings).toHaveLength(3)
  })
})

describe("gemini-cli", () => {
  it("maps AfterAgent to turn.end with prompt_response as the response", () => {
    const e = run(fixture("gemini-cli", "AfterAgent"))
    expect(e).toMatchObject({ kind: "turn.end", agentSessionId: "8a7b6c5d-4e3f-4a2b-9c1d-0e1f2a3b4c5d", cwd: "/home/dev/data-pipeline" })
    expect(e.data.prompt).toBe("Why is the nightly ingest job slower since Monday?")
    expect(e.data.response).toMatch(/^Monday's change/)
  })

  it("maps tool runs, a failed one by its tool_response.error", () => {
    expect(run(fixture("gemini-cli", "BeforeTool"))).toMatchObject({ kind: "tool.request", data: { tool: { name: "run_shell_command" } } })
    expect(run(fixture("gemini-cli", "AfterTool"))).toMatchObject({ kind: "tool.use", data: { tool: { name: "read_file", response: { returnDisplay: "Read ingest/enrich.py" } } } })
    expect(run(fixture("gemini-cli", "AfterTool.error"))).toMatchObject({ kind: "tool.failure", data: { error: "Command exited with code 1", tool: { error: "Command exited with code 1" } } })
  })

  it("maps session start and end, prompts, notifications and compression", () => {
    expect(run(fixture("gemini-cli", "SessionStart")).source).toBe("startup")
    expect(run(fixture("gemini-cli", "SessionEnd")).data.reason).toBe("exit")
    expect(run(fixture("gemini-cli", "BeforeAgent")).data.prompt).toMatch(/^Why is/)
    expect(run(fixture("gemini-cli", "Notification")).data).toEqual({ message: "Allow run_shell_command: rm -rf build/?", reason: "ToolPermission" })
    expect(run(fixture("gemini-cli", "PreCompress"))).toMatchObject({ kind: "compaction", data: { reason: "auto" } })
  })
})

describe("vscode-copilot", () => {
  const SESSION = "4c1e9d2b-7a6f-4b3e-8d5c-2f1a0b9c8d7e"

  it("reads VS Code's snake_case fields, and the first previews' sessionId", () => {
    expect(run(fixture("vscode-copilot", "SessionStart"))).toMatchObject({ kind: "session.start", agentSessionId: SESSION, source: "startup", extra: { source: "new" } })
    expect(run(fixture("vscode-copilot", "SessionStart.preview")).agentSessionId).toBe(SESSION)
    expect(run(fixture("vscode-copilot", "PostToolUse")).data.tool).toMatchObject({ name: "replace_string_in_file", response: "The file was edited successfully" })
    expect(run(fixture("vscode-copilot", "SubagentStop")).data.subagent).toEqual({ id: "subagent-456", type: "Plan" })
  })

  it("reads the Copilot CLI's camelCase events and fields", () => {
    expect(run(fixture("vscode-copilot", "sessionStart"))).toMatchObject({ agentSessionId: SESSION, source: "startup", data: { prompt: "Add proration to the invoice calculator" } })
    expect(run(fixture("vscode-copilot", "postToolUse")).data.tool).toMatchObject({ name: "edit", input: '{"path":"src/invoice.ts"}', response: { resultType: "success" } })
    expect(run(fixture("vscode-copilot", "agentStop"))).toMatchObject({ kind: "turn.end", transcriptPath: expect.stringContaining(SESSION), data: { reason: "end_turn" } })
    expect(run(fixture("vscode-copilot", "subagentStart")).data.subagent).toEqual({ type: "code-review" })
  })

  it("maps tool failures and errors", () => {
    expect(run(fixture("vscode-copilot", "PostToolUse.cli-failure"))).toMatchObject({ kind: "tool.failure", data: { error: "src/invoice.ts:12:5 error no-unused-vars" } })
    expect(run(fixture("vscode-copilot", "postToolUseFailure")).data.error).toBe("Command failed with exit code 1")
    const error = run(fixture("vscode-copilot", "ErrorOccurred"))
    expect(error).toMatchObject({ kind: "turn.failure", data: { error: "Request failed with status 429", reason: "model_call" } })
    expect(error.extra["error"]).toMatchObject({ name: "RateLimitError" })
  })
})

describe("windsurf", () => {
  const TRAJECTORY = "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f"

  it("identifies the session by trajectory_id and reads tool_info", () => {
    expect(run(fixture("windsurf", "pre_user_prompt"))).toMatchObject({ kind: "prompt", agentSessionId: TRAJECTORY, data: { prompt: "can you run the echo hello command" } })
    expect(run(fixture("windsurf", "post_cascade_response")).data.response).toMatch(/^### Planner Response/)
    expect(run(fixture("windsurf", "post_cascade_response_with_transcript")).transcriptPath).toBe(`/Users/dev/.windsurf/transcripts/${TRAJECTORY}.jsonl`)
  })

  it("maps code, command and MCP events, keeping what tool_info adds", () => {
    const command = run(fixture("windsurf", "post_run_command"))
    expect(command).toMatchObject({ kind: "tool.use", cwd: "/Users/dev/mobile-app", data: { tool: { name: "run_command", input: { command_line: "npm install react-native-mmkv" } } } })
    expect(command.extra["tool_info"]).toEqual({ exit_code: 0 })
    expect(run(fixture("windsurf", "post_write_code"))).toMatchObject({ data: { model: "Claude Sonnet 4", tool: { name: "write_code" } } })
    expect(run(fixture("windsurf", "post_mcp_tool_use")).data.tool).toMatchObject({ name: "list_commits", response: expect.stringContaining("9f8e7d6") })
    expect(run(fixture("windsurf", "pre_mcp_tool_use")).kind).toBe("tool.request")
  })

  it("reports a wrong-typed tool_info field and keeps tool_info whole", () => {
    const e = run(fixture("windsurf", "post_write_code.wrong-types"))
    expect(e.data.tool).toBeUndefined()
    expect(e.extra["tool_info"]).toEqual({ file_path: 42, edits: "not a list" })
    expect(e.warnings).toEqual([expect.stringContaining('windsurf post_write_code tool_info: field "file_path"')])
  })
})

describe("malformed payloads", () => {
  const BAD: ReadonlyArray<unknown> = [null, "not json", [1, 2], 42, true, {}]

  it("never throw, warn, and keep what was sent", () => {
    for (const agent of AGENTS) {
      for (const event of [...(AGENT_EVENTS[agent] ?? []).map((e) => e.event), "NoSuchEvent"]) {
        for (const payload of BAD) {
          const e = normalize(agent, event, payload)
          expect(e.kind).toBe(listedKind(agent, event) ?? "unknown")
          expect(e.agentSessionId).toBeNull()
          expect(e.warnings.length, `${agent} ${event} ${JSON.stringify(payload)}`).toBeGreaterThan(0)
          expect(e.extra).toEqual(isRecord(payload) ? payload : { payload })
        }
      }
    }
  })

  it("keeps a field named __proto__ as a field", () => {
    const e = normalize("claude-code", "Stop", JSON.parse('{"session_id":"s","__proto__":{"polluted":true}}'))
    expect(Object.hasOwn(e.extra, "__proto__")).toBe(true)
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("stores the payload of an agent myco does not know raw", () => {
    expect(normalize("aider", "commit", { session: "x" })).toEqual({
      kind: "unknown",
      agentSessionId: null,
      source: null,
      cwd: null,
      transcriptPath: null,
      data: {},
      extra: { session: "x" },
      warnings: ['unknown agent "aider" (hook event "commit"): stored raw']
    })
    expect(normalize("constructor", "Stop", null).extra).toEqual({ payload: null })
  })
})

describe("replyFor", () => {
  it("prints nothing or one JSON object, for every event of every agent", () => {
    for (const agent of [...AGENTS, "unknown-agent"]) {
      for (const event of [...(AGENT_EVENTS[agent] ?? []).map((e) => e.event), "NoSuchEvent", "constructor"]) {
        const reply = replyFor(agent, event)
        if (reply !== "") expect(isRecord(JSON.parse(reply)), `${agent} ${event}`).toBe(true)
      }
    }
  })

  it("answers what each agent expects from a hook without an opinion", () => {
    for (const event of ["SessionStart", "UserPromptSubmit", "PreToolUse", "Stop", "SessionEnd"]) expect(replyFor("claude-code", event)).toBe("")
    expect(replyFor("windsurf", "pre_run_command")).toBe("")
    expect(replyFor("codex", "SessionStart")).toBe("")
    expect(replyFor("codex", "UserPromptSubmit")).toBe("")
    expect(replyFor("codex", "notify")).toBe("")
    expect(JSON.parse(replyFor("codex", "Stop"))).toEqual({})
    expect(JSON.parse(replyFor("codex", "SubagentStop"))).toEqual({})
    for (const event of ["beforeShellExecution", "beforeMCPExecution", "beforeReadFile", "preToolUse", "subagentStart"]) {
      expect(JSON.parse(replyFor("cursor", event))).toEqual({ permission: "allow" })
    }
    expect(JSON.parse(replyFor("cursor", "beforeSubmitPrompt"))).toEqual({ continue: true })
    expect(JSON.parse(replyFor("cursor", "stop"))).toEqual({})
    expect(JSON.parse(replyFor("gemini-cli", "AfterAgent"))).toEqual({})
    expect(JSON.parse(replyFor("vscode-copilot", "PreToolUse"))).toEqual({})
    expect(replyFor("unknown-agent", "Stop")).toBe("")
  })
})

describe("installed hooks and normalisers agree", () => {
  it("every event `myco hooks install` installs is one its agent's normaliser knows", () => {
    for (const [agent, spec] of Object.entries(REGISTERED).map(([name, a]) => [name, a.hooks] as const)) {
      const known = new Set((AGENT_EVENTS[agent] ?? []).map((e) => e.event))
      const unknown = spec.events.map((e) => e.name).filter((name) => !known.has(name))
      expect(unknown, agent).toEqual([])
    }
  })
})

describe("replies.ts", () => {
  it("holds exactly the registered agents' replies, the same functions (the hook bundles it alone)", async () => {
    const { REPLIES } = await import("../../src/agents/replies.js")
    const { AGENTS: registry } = await import("../../src/agents/index.js")
    expect(Object.keys(REPLIES).sort()).toEqual(Object.keys(registry).sort())
    for (const agent of Object.values(registry)) expect(REPLIES[agent.name]).toBe(agent.reply)
  })
})
