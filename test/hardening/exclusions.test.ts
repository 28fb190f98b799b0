/**
 * Excluded files' content never reaches the database, on the real binaries: tool events of each
 * agent that carry a `.env` file's content (a Gemini CLI read's `llmContent`, a Cursor
 * `tool_output` sent as JSON text, a Claude Code `cat .env` and a grep over the tree, a Copilot
 * CLI `view`) go through the hook to a running supervisor; the events are stored, each naming
 * the file and the glob that withheld it, and neither the database nor its WAL holds the content.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { myco, tempProject, type TempProject } from "../support/cli.js"
import { startDaemon } from "../support/daemon.js"
import { eventually, hookEnv, runHook, storedEvents } from "../support/hook.js"

const CONTENT = "words-only-the-env-file-holds"

let project: TempProject

beforeAll(() => {
  project = tempProject("myco-exclusions-")
  myco(["init"], { cwd: project.dir, env: project.env })
})

afterAll(() => project.cleanup())

describe("excluded files through the hooks", () => {
  it("are stored by name, never by content, for every agent's tool shapes", async () => {
    const root = project.dir
    const sends: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
      [
        "gemini-cli",
        "AfterTool",
        { session_id: "gem-1", cwd: root, hook_event_name: "AfterTool", tool_name: "read_file", tool_input: { absolute_path: path.join(root, ".env") }, tool_response: { llmContent: CONTENT, returnDisplay: "" } }
      ],
      [
        "cursor",
        "postToolUse",
        { conversation_id: "cur-1", hook_event_name: "postToolUse", workspace_roots: [root], tool_name: "Shell", tool_input: { command: "cat .env" }, tool_output: JSON.stringify({ stdout: CONTENT }) }
      ],
      [
        "claude-code",
        "PostToolUse",
        { session_id: "cc-1", cwd: root, hook_event_name: "PostToolUse", tool_name: "Bash", tool_input: { command: "grep -rn words ." }, tool_response: { stdout: `.env:1:${CONTENT}\nsrc/a.ts:2:kept-line`, stderr: "" }, tool_use_id: "toolu_1" }
      ],
      ["vscode-copilot", "postToolUse", { sessionId: "cop-1", cwd: root, toolName: "view", toolArgs: { path: ".env" }, toolResult: { resultType: "success", textResultForLlm: CONTENT } }]
    ]
    const daemon = await startDaemon(project)
    try {
      for (const [agent, event, payload] of sends) {
        const result = await runHook([event, "--agent", agent], JSON.stringify(payload), { cwd: root, env: hookEnv(project) })
        expect(result.status).toBe(0)
      }
      await eventually(() => storedEvents(project).length === sends.length, 30_000, "every event to be stored")
    } finally {
      daemon.child.kill("SIGTERM")
      await daemon.exited
    }
    const events = storedEvents(project)
    for (const event of events) {
      const text = JSON.stringify(event.payload)
      expect(text).not.toContain(CONTENT)
      expect(text).toMatch(/"glob":"\.env"/)
    }
    expect(JSON.stringify(events)).toContain("kept-line")
    for (const name of ["myco.db", "myco.db-wal"]) {
      const file = path.join(root, ".myco", name)
      if (fs.existsSync(file)) expect(fs.readFileSync(file).includes(CONTENT), name).toBe(false)
    }
  }, 120_000)
})
