/**
 * Running the built hook binary (dist/myco-hook.cjs) as an agent runs it: a real process, its
 * payload on stdin, in a temp project.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import Database from "better-sqlite3"
import { Schema } from "effect"
import { repoRoot, runNode, type RunResult, type TempProject } from "./cli.js"

/** The built hook binary. */
export const hookBin = path.join(repoRoot, "dist", "myco-hook.cjs")

/** Runs `myco-hook args...` with `stdin` (a string, bytes, or nothing at all); resolves when it exits. */
export const runHook = (
  args: ReadonlyArray<string>,
  stdin: string | Buffer | undefined,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }
): Promise<RunResult> => runNode(hookBin, args, stdin, options)

/** A Claude Code hook payload, as Claude Code writes it on stdin. */
export const claudePayload = (event: string, sessionId: string, cwd: string, fields: Record<string, unknown> = {}): string =>
  JSON.stringify({
    session_id: sessionId,
    transcript_path: `/root/.claude/projects/-project/${sessionId}.jsonl`,
    cwd,
    permission_mode: "default",
    hook_event_name: event,
    ...fields
  })

/** The hook environment of a project, with supervisor autostart off unless asked. */
export const hookEnv = (project: TempProject, autostart = false): NodeJS.ProcessEnv => ({
  ...project.env,
  MYCO_HOOK_AUTOSTART: autostart ? "1" : "0"
})

/** The files waiting in the project's spool. */
export const spooled = (project: TempProject): ReadonlyArray<string> => {
  try {
    return fs.readdirSync(path.join(project.dir, ".myco", "spool")).filter((name) => name.endsWith(".json"))
  } catch {
    return []
  }
}

const EventRow = Schema.Struct({ session_id: Schema.String, seq: Schema.Number, kind: Schema.String, late: Schema.Number, payload: Schema.String })

/** Every stored event of the vault, read from its database. */
export const storedEvents = (project: TempProject) => {
  const db = new Database(path.join(project.dir, ".myco", "myco.db"), { readonly: true })
  try {
    return Schema.decodeUnknownSync(Schema.Array(EventRow))(db.prepare("SELECT session_id, seq, kind, late, payload FROM events ORDER BY session_id, seq").all()).map(
      (row) => {
        const payload: unknown = JSON.parse(row.payload)
        return { ...row, payload }
      }
    )
  } finally {
    db.close()
  }
}

/** Every unattributed event of the vault. */
export const unattributedEvents = (project: TempProject) => {
  const db = new Database(path.join(project.dir, ".myco", "myco.db"), { readonly: true })
  try {
    return Schema.decodeUnknownSync(Schema.Array(Schema.Struct({ agent: Schema.String, event: Schema.String, reason: Schema.String, payload: Schema.String })))(
      db.prepare("SELECT agent, event, reason, payload FROM unattributed ORDER BY received_at").all()
    )
  } finally {
    db.close()
  }
}

/** Waits until `check` holds, polling every 50 ms, for at most `ms`. */
export const eventually = async (check: () => boolean, ms: number, what: string): Promise<void> => {
  for (let waited = 0; waited < ms; waited += 50) {
    if (check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`)
}
