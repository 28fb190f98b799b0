/**
 * No secret is written anywhere before it is redacted, on the real binaries: secrets of the
 * corpus (every family) sent through hooks, with the supervisor down (spooled) and up (sent live),
 * are in no spool file, in neither the database nor its WAL, and in no log, byte for byte; the
 * events themselves are stored, with their redaction markers.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { myco, tempProject, type TempProject } from "../support/cli.js"
import { startDaemon } from "../support/daemon.js"
import { claudePayload, eventually, hookEnv, runHook, spooled, storedEvents } from "../support/hook.js"

const CORPUS = fileURLToPath(new URL("../fixtures/secrets/secrets.jsonl", import.meta.url))
const Case = Schema.Struct({ id: Schema.String, family: Schema.String, text: Schema.String, secret: Schema.String })

/** One case per family, so that every family goes through the hook. */
const cases = (() => {
  const all = fs
    .readFileSync(CORPUS, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => Schema.decodeUnknownSync(Case)(JSON.parse(line)))
  const byFamily = new Map<string, typeof Case.Type>()
  for (const c of all) if (!byFamily.has(c.family)) byFamily.set(c.family, c)
  return [...byFamily.values()]
})()

/** Every file under `dir`, as bytes. */
const everyFile = (dir: string): ReadonlyArray<readonly [string, Buffer]> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return everyFile(p)
    return e.isFile() ? [[p, fs.readFileSync(p)] as const] : []
  })

let project: TempProject

beforeAll(() => {
  project = tempProject("myco-secrets-")
  myco(["init"], { cwd: project.dir, env: project.env })
})

afterAll(() => project.cleanup())

describe("secrets through the hooks", () => {
  it("are redacted before anything is written: spool, database, WAL and logs never hold one", async () => {
    expect(cases.length).toBeGreaterThan(20)
    const opts = { cwd: project.dir, env: hookEnv(project) }
    const send = (c: (typeof cases)[number], live: boolean) =>
      runHook(
        ["PostToolUse", "--agent", "claude-code"],
        claudePayload("PostToolUse", `secrets-${live ? "live" : "spooled"}`, project.dir, {
          tool_name: "Bash",
          tool_input: { command: `echo ${c.id}` },
          tool_response: { stdout: c.text, stderr: "" },
          tool_use_id: `toolu_${c.id.replace(/[^A-Za-z0-9]/g, "")}`
        }),
        opts
      )
    // Supervisor down: every event is spooled, already redacted.
    for (const c of cases) expect((await send(c, false)).status).toBe(0)
    expect(spooled(project)).toHaveLength(cases.length)
    const leaks = (where: ReadonlyArray<readonly [string, Buffer]>) =>
      cases.flatMap((c) => where.filter(([, bytes]) => bytes.includes(c.secret)).map(([file]) => `${c.family} (${c.id}) in ${path.basename(file)}`))
    expect(leaks(everyFile(path.join(project.dir, ".myco", "spool")))).toEqual([])
    // Supervisor up: it drains the spool, and the same secrets are sent live.
    const daemon = await startDaemon(project)
    try {
      await eventually(() => spooled(project).length === 0, 30_000, "the spool to drain")
      for (const c of cases) expect((await send(c, true)).status).toBe(0)
      await eventually(() => storedEvents(project).length === cases.length * 2, 30_000, "every event to be stored")
    } finally {
      daemon.child.kill("SIGTERM")
      await daemon.exited
    }
    const events = storedEvents(project)
    expect(events.filter((e) => JSON.stringify(e.payload).includes("[REDACTED:"))).toHaveLength(cases.length * 2)
    expect(leaks(everyFile(path.join(project.dir, ".myco")))).toEqual([])
  }, 240_000)
})
