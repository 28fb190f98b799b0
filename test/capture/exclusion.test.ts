/**
 * Excluded files keep their names but never their content, whatever tool carries it and however
 * the agent shapes its payload: a read, a shell command, a search, an edit, a patch, an MCP call,
 * for every agent's own field names (agents/<agent>/contract.ts `tools`). Each case is run through
 * the agent's normaliser and the capture boundary as the supervisor does before storing, for every
 * default exclusion glob, and the file's content must appear nowhere in what would be stored. A
 * control case per shape (a file that is not excluded) keeps its content, so that the test fails if
 * the boundary withheld everything.
 */
import { describe, expect, it } from "vitest"
import { normalize } from "../../src/agents/index.js"
import { boundedPayload, type BoundarySettings } from "../../src/lean/Boundary.js"
import { DEFAULT_EXCLUDE_PATHS } from "../../src/vault/Config.js"

const ROOT = "/home/dev/shop"

const boundary: BoundarySettings = {
  root: ROOT,
  outsideScope: "record",
  excludePaths: DEFAULT_EXCLUDE_PATHS,
  redactSecrets: true,
  maxFieldBytes: 65536,
  maxEventBytes: 262144
}

/** A file matching each default glob, as an agent would name it (relative to the project). */
const EXCLUDED_FILES: ReadonlyArray<string> = [
  ".env",
  "config/.env.production",
  "certs/server.pem",
  "tls.key",
  "keys/client.p12",
  "client.pfx",
  "deploy/id_ed25519",
  ".ssh/config",
  ".aws/credentials",
  ".netrc",
  ".npmrc",
  ".pypirc",
  "ops/secrets/db.txt"
]

/** Every exclusion glob has a file above. */
it("covers every default exclusion glob", async () => {
  const { excludedBy } = await import("../../src/lean/Boundary.js")
  const globs = new Set(EXCLUDED_FILES.map((file) => excludedBy(file, ROOT, DEFAULT_EXCLUDE_PATHS)))
  expect([...globs].sort()).toEqual([...DEFAULT_EXCLUDE_PATHS].sort())
})

/** The content of the file, unlike any secret shape (so that redaction cannot hide a miss). */
const CONTENT = "plain-words-from-the-file"
const OTHER = "plain-words-from-another-file"

interface Case {
  readonly agent: string
  readonly event: string
  readonly shape: string
  readonly payload: (file: string) => Record<string, unknown>
}

const abs = (file: string): string => `${ROOT}/${file}`

/** Grep-style output: the excluded file's line, then a line of an ordinary file. */
const grepOutput = (file: string): string => `${file}:3:${CONTENT}\nsrc/app.ts:12:${OTHER}`

const claudeStyle = (agent: string): ReadonlyArray<Case> => {
  const base = { session_id: "s-1", cwd: ROOT, hook_event_name: "PostToolUse", transcript_path: "/tmp/t.jsonl" }
  const tool = (name: string, input: unknown, response: unknown) => ({ ...base, tool_name: name, tool_input: input, tool_response: response, tool_use_id: "t1" })
  return [
    { agent, event: "PostToolUse", shape: "Read, a plain string", payload: (f) => tool("Read", { file_path: abs(f) }, CONTENT) },
    { agent, event: "PostToolUse", shape: "Read, a file object", payload: (f) => tool("Read", { file_path: f }, { type: "text", file: { filePath: abs(f), content: CONTENT } }) },
    { agent, event: "PostToolUse", shape: "Bash cat", payload: (f) => tool("Bash", { command: `cat ${f} | head -5` }, { stdout: CONTENT, stderr: "" }) },
    { agent, event: "PostToolUse", shape: "Bash argv list", payload: (f) => tool("shell", { command: ["bash", "-lc", `source ${f} && env`] }, { output: CONTENT }) },
    { agent, event: "PostToolUse", shape: "Bash grep over the tree", payload: (f) => tool("Bash", { command: "grep -rn words ." }, { stdout: grepOutput(f) }) },
    { agent, event: "PostToolUse", shape: "Grep content", payload: (f) => tool("Grep", { pattern: "words", path: "." }, { mode: "content", content: grepOutput(f), numFiles: 2 }) },
    { agent, event: "PostToolUse", shape: "Grep with --heading", payload: (f) => tool("Grep", { pattern: "words" }, { content: `${f}\n3:${CONTENT}\n\nsrc/app.ts\n12:${OTHER}` }) },
    { agent, event: "PostToolUse", shape: "Edit", payload: (f) => tool("Edit", { file_path: abs(f), old_string: CONTENT, new_string: `${CONTENT}!` }, { filePath: abs(f), oldString: CONTENT }) },
    { agent, event: "PostToolUse", shape: "MultiEdit", payload: (f) => tool("MultiEdit", { file_path: f, edits: [{ old_string: CONTENT, new_string: "x" }] }, { ok: true }) },
    { agent, event: "PreToolUse", shape: "Write before it runs", payload: (f) => ({ ...base, hook_event_name: "PreToolUse", tool_name: "Write", tool_input: { file_path: f, content: CONTENT } }) },
    { agent, event: "PostToolUse", shape: "apply_patch", payload: (f) => tool("apply_patch", { command: `*** Begin Patch\n*** Update File: ${f}\n@@\n-${CONTENT}\n+changed\n*** End Patch` }, { output: `M ${f}` }) },
    { agent, event: "PostToolUse", shape: "MCP read", payload: (f) => tool("mcp__fs__read_file", { path: f }, { content: [{ type: "text", text: CONTENT }] }) }
  ]
}

const gemini: ReadonlyArray<Case> = (() => {
  const base = { session_id: "g-1", cwd: ROOT, hook_event_name: "AfterTool", transcript_path: "/tmp/g.json" }
  const tool = (name: string, input: unknown, llmContent: string) => ({ ...base, tool_name: name, tool_input: input, tool_response: { llmContent, returnDisplay: "" } })
  return [
    { agent: "gemini-cli", event: "AfterTool", shape: "read_file absolute_path", payload: (f) => tool("read_file", { absolute_path: abs(f) }, CONTENT) },
    { agent: "gemini-cli", event: "AfterTool", shape: "read_many_files", payload: (f) => tool("read_many_files", { paths: ["src/app.ts", f] }, `--- ${f} ---\n${CONTENT}`) },
    { agent: "gemini-cli", event: "AfterTool", shape: "run_shell_command", payload: (f) => tool("run_shell_command", { command: `cat ${f}` }, `Command: cat\nOutput: ${CONTENT}`) },
    {
      agent: "gemini-cli",
      event: "AfterTool",
      shape: "search_file_content",
      payload: (f) => tool("search_file_content", { pattern: "words", dir_path: "." }, `Found 2 matches:\n---\nFile: ${f}\nL3: ${CONTENT}\n---\nFile: src/app.ts\nL12: ${OTHER}\n---`)
    },
    { agent: "gemini-cli", event: "AfterTool", shape: "replace", payload: (f) => tool("replace", { file_path: abs(f), old_string: CONTENT, new_string: "x" }, "ok") }
  ]
})()

const cursor: ReadonlyArray<Case> = (() => {
  const base = { conversation_id: "c-1", generation_id: "g", workspace_roots: [ROOT], cursor_version: "2.3" }
  return [
    {
      agent: "cursor",
      event: "postToolUse",
      shape: "Read, tool_output as JSON text",
      payload: (f) => ({ ...base, hook_event_name: "postToolUse", tool_name: "Read", tool_input: { target_file: f }, tool_output: JSON.stringify({ contents: CONTENT }) })
    },
    {
      agent: "cursor",
      event: "postToolUse",
      shape: "Shell",
      payload: (f) => ({ ...base, hook_event_name: "postToolUse", tool_name: "Shell", tool_input: { command: `cat ./${f}` }, tool_output: JSON.stringify({ stdout: CONTENT }) })
    },
    {
      agent: "cursor",
      event: "postToolUse",
      shape: "Grep, JSON text",
      payload: (f) => ({ ...base, hook_event_name: "postToolUse", tool_name: "Grep", tool_input: { pattern: "words" }, tool_output: JSON.stringify({ output: grepOutput(f) }) })
    },
    { agent: "cursor", event: "afterShellExecution", shape: "afterShellExecution", payload: (f) => ({ ...base, hook_event_name: "afterShellExecution", command: `less ${f}`, output: CONTENT }) },
    { agent: "cursor", event: "beforeReadFile", shape: "beforeReadFile", payload: (f) => ({ ...base, hook_event_name: "beforeReadFile", file_path: abs(f), content: CONTENT, attachments: [] }) },
    { agent: "cursor", event: "afterFileEdit", shape: "afterFileEdit", payload: (f) => ({ ...base, hook_event_name: "afterFileEdit", file_path: abs(f), edits: [{ old_string: CONTENT, new_string: "x" }] }) },
    {
      agent: "cursor",
      event: "afterMCPExecution",
      shape: "MCP, input as JSON text",
      payload: (f) => ({ ...base, hook_event_name: "afterMCPExecution", tool_name: "read", tool_input: JSON.stringify({ path: f }), result_json: JSON.stringify({ text: CONTENT }) })
    }
  ]
})()

const copilot: ReadonlyArray<Case> = [
  {
    agent: "vscode-copilot",
    event: "postToolUse",
    shape: "CLI view",
    payload: (f) => ({ sessionId: "p-1", cwd: ROOT, toolName: "view", toolArgs: { path: f }, toolResult: { resultType: "success", textResultForLlm: CONTENT } })
  },
  {
    agent: "vscode-copilot",
    event: "postToolUse",
    shape: "CLI bash",
    payload: (f) => ({ sessionId: "p-1", cwd: ROOT, toolName: "bash", toolArgs: { command: `tail ${f}` }, toolResult: { resultType: "success", textResultForLlm: CONTENT } })
  },
  {
    agent: "vscode-copilot",
    event: "postToolUse",
    shape: "CLI edit",
    payload: (f) => ({ sessionId: "p-1", cwd: ROOT, toolName: "edit", toolArgs: { path: f, old_str: CONTENT, new_str: "x" }, toolResult: { resultType: "success", textResultForLlm: "ok" } })
  },
  {
    agent: "vscode-copilot",
    event: "PostToolUse",
    shape: "VS Code readFile",
    payload: (f) => ({ session_id: "p-2", cwd: ROOT, hook_event_name: "PostToolUse", tool_name: "readFile", tool_input: { filePath: abs(f) }, tool_response: CONTENT })
  }
]

const windsurf: ReadonlyArray<Case> = [
  {
    agent: "windsurf",
    event: "post_write_code",
    shape: "write_code",
    payload: (f) => ({ trajectory_id: "w-1", agent_action_name: "post_write_code", tool_info: { file_path: abs(f), edits: [{ old_string: CONTENT, new_string: "x" }] } })
  },
  {
    agent: "windsurf",
    event: "post_mcp_tool_use",
    shape: "MCP",
    payload: (f) => ({ trajectory_id: "w-1", agent_action_name: "post_mcp_tool_use", tool_info: { mcp_server_name: "fs", mcp_tool_name: "read", mcp_tool_arguments: { path: f }, mcp_result: CONTENT } })
  }
]

const CASES: ReadonlyArray<Case> = [...claudeStyle("claude-code"), ...claudeStyle("codex"), ...gemini, ...cursor, ...copilot, ...windsurf]

/** What the supervisor stores for a hook payload (capture/HookIntake.ts), after the boundary. */
const stored = (c: Case, file: string): string => {
  const normalized = normalize(c.agent, c.event, c.payload(file))
  const payload = { agent: c.agent, event: c.event, cwd: normalized.cwd ?? ROOT, data: normalized.data, extra: normalized.extra }
  return JSON.stringify(boundedPayload(boundary, payload))
}

describe("excluded files' content", () => {
  it.each(CASES.map((c) => [`${c.agent}: ${c.shape}`, c] as const))("is withheld from %s", (_name, c) => {
    for (const file of EXCLUDED_FILES) {
      const out = stored(c, file)
      expect(out, `${file}: ${out}`).not.toContain(CONTENT)
      // The name stays, with the rule that withheld it.
      expect(out).toContain("withheld by capture boundary")
      expect(out).toContain(file.split("/").pop())
    }
    // Control: an ordinary file's content is kept.
    expect(stored(c, "src/app.ts")).toContain(CONTENT)
  })

  it("keeps the lines of other files in a search result", () => {
    for (const c of CASES.filter((c) => /grep|search|heading/i.test(c.shape))) {
      const out = stored(c, ".env")
      expect(out, c.shape).toContain(OTHER)
      expect(out, c.shape).not.toContain(CONTENT)
    }
  })

  it("records the file a command reads and the glob that excluded it", () => {
    const c = CASES.find((c) => c.agent === "claude-code" && c.shape === "Bash cat")
    if (c === undefined) throw new Error("no Bash case")
    const out = JSON.parse(stored(c, "~/.aws/credentials"))
    expect(out.boundary.excluded).toContainEqual({ path: "data.tool.response", file: "~/.aws/credentials", glob: ".aws/**" })
    expect(out.data.tool.command).toBe("cat ~/.aws/credentials | head -5")
  })

  it("withholds what a tool reads outside the project, and drops it under outside_scope: drop", () => {
    const c = CASES.find((c) => c.agent === "claude-code" && c.shape === "Read, a plain string")
    if (c === undefined) throw new Error("no Read case")
    const payload = (file: string) => {
      const normalized = normalize(c.agent, c.event, { ...c.payload(".env"), tool_input: { file_path: file } })
      return { data: normalized.data, extra: normalized.extra }
    }
    const recorded = JSON.stringify(boundedPayload(boundary, payload("/etc/hosts")))
    expect(recorded).not.toContain(CONTENT)
    expect(recorded).toContain("outside the project")
    const dropped = JSON.stringify(boundedPayload({ ...boundary, outsideScope: "drop" }, payload("/etc/hosts")))
    expect(dropped).not.toContain(CONTENT)
    expect(dropped).not.toContain("/etc/hosts\"")
  })
})
