/**
 * Never lose an event: 8 sessions send events through real hook processes while the supervisor
 * is killed with SIGKILL; hooks that find it gone spool their events and start a new one. After
 * the dust settles, every event is stored exactly once.
 */
import { afterAll, beforeAll, expect, it } from "vitest"
import { myco, tempProject, type TempProject } from "../support/cli.js"
import { daemonSocket, startDaemon } from "../support/daemon.js"
import { claudePayload, eventually, hookEnv, runHook, spooled, storedEvents } from "../support/hook.js"
import * as fs from "node:fs"
import * as path from "node:path"

const SESSIONS = 8
const PER_SESSION = 120

let project: TempProject
beforeAll(() => {
  project = tempProject("myco-flood-")
  expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
})
afterAll(() => {
  myco(["stop"], { cwd: project.dir, env: project.env })
  project.cleanup()
})

const daemonPid = (): number | undefined => {
  try {
    const info: unknown = JSON.parse(fs.readFileSync(path.join(project.dir, ".myco", "run", "daemon.json"), "utf8"))
    return typeof info === "object" && info !== null && "pid" in info && typeof info.pid === "number" ? info.pid : undefined
  } catch {
    return undefined
  }
}

it(`stores exactly once each of ${SESSIONS * PER_SESSION} hook events across a kill -9 of the supervisor`, async () => {
  const first = await startDaemon(project)
  first.child.unref()
  let sent = 0
  // Each session runs its hooks one after the other, as an agent does; the sessions run at once.
  const sessions = Array.from({ length: SESSIONS }, async (_, s) => {
    for (let n = 0; n < PER_SESSION; n++) {
      const result = await runHook(
        ["UserPromptSubmit", "--agent", "claude-code"],
        claudePayload("UserPromptSubmit", `flood-${s}`, project.dir, { prompt: `s${s} n${n}` }),
        { cwd: project.dir, env: hookEnv(project, true) }
      )
      expect(result.status).toBe(0)
      sent++
    }
  })
  await eventually(() => sent >= (SESSIONS * PER_SESSION) / 3, 400_000, "a third of the events")
  first.child.kill("SIGKILL")
  await first.exited
  await Promise.all(sessions)

  // The hooks restarted a supervisor (autostart); it drains what they spooled meanwhile.
  await eventually(() => daemonSocket(project) !== undefined && daemonPid() !== first.child.pid, 30_000, "a new supervisor")
  await eventually(() => spooled(project).length === 0, 300_000, "the spool to be drained")
  const events = storedEvents(project)
  const prompts = new Map<string, number>()
  for (const e of events) {
    const prompt = JSON.stringify(e.payload).match(/"prompt":"(s\d+ n\d+)"/)?.[1] ?? "?"
    prompts.set(prompt, (prompts.get(prompt) ?? 0) + 1)
  }
  const twice = [...prompts].filter(([, n]) => n > 1)
  const missing = Array.from({ length: SESSIONS * PER_SESSION }, (_, i) => `s${i % SESSIONS} n${Math.floor(i / SESSIONS)}`).filter((p) => !prompts.has(p))
  console.log(`kill -9 during a hook flood: ${SESSIONS * PER_SESSION} events sent through hook processes, ${events.length} stored, ${missing.length} missing, ${twice.length} stored twice`)
  expect(missing).toEqual([])
  expect(twice).toEqual([])
  expect(events).toHaveLength(SESSIONS * PER_SESSION)
}, 1_200_000)
