/**
 * A supervisor killed with SIGKILL mid-run leaves its harness's group behind (the group is its
 * own session: nothing kills it), and the next start ends it: a stand-in supervisor (a separate
 * Node process running the process runtime on a fixture that forks children, one of which leaves
 * the group, all ignoring SIGTERM) is SIGKILLed, then reapOrphans kills every one of them and
 * removes the record. A record whose pid was recycled (another start time), or from another boot,
 * names a live unrelated process that is NOT killed.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { recordFile, recordFor, reapOrphans, recordsDir, writeRecordSync } from "../../src/harness/Orphans.js"
import { identityOf } from "../../src/harness/Proc.js"
import { FIXTURE_DIR } from "../fixtures/harness/context.js"
import { groupMembers, processesWithMarker, uniqueMarker, waitFor } from "./support.js"

const ROOT = path.resolve(FIXTURE_DIR, "..", "..", "..")
let vaultDir: string
const started: Array<ChildProcess> = []

beforeEach(() => {
  vaultDir = fs.mkdtempSync(path.join(os.tmpdir(), "myco-orphans-"))
})
afterEach(async () => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  // A failed test must not leave its harness's group behind either.
  await Effect.runPromise(reapOrphans(runDir(), { graceMs: 100 }))
  fs.rmSync(vaultDir, { recursive: true, force: true })
})

const runDir = () => path.join(vaultDir, "run")

describe("orphaned harness groups", () => {
  it("a supervisor SIGKILLed mid-run leaves its group, and reapOrphans ends all of it, without trusting a recycled pid", async () => {
    const marker = uniqueMarker("orphan")
    const supervisor = spawn(process.execPath, ["--import", "tsx", path.join(FIXTURE_DIR, "run-in-child.ts"), vaultDir, "run-orphan", marker], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"]
    })
    started.push(supervisor)
    // The harness and its three children (two in its group, one that left it with setsid).
    const family = () => processesWithMarker(marker).filter((pid) => pid !== supervisor.pid)
    await waitFor("the harness's family", () => family().length === 4, 45_000)
    const record = JSON.parse(fs.readFileSync(recordFile(runDir(), "run-orphan"), "utf8"))
    expect(fs.statSync(recordFile(runDir(), "run-orphan")).mode & 0o777).toBe(0o600)
    expect(fs.statSync(recordsDir(runDir())).mode & 0o777).toBe(0o700)
    expect(record).toMatchObject({ schema: "myco.harness-group/v1", runId: "run-orphan", pgid: record.pid })
    expect(record.startTime).toMatch(/^\d+$/)
    expect(fs.existsSync(record.workDir)).toBe(true)

    supervisor.kill("SIGKILL")
    await new Promise((resolve) => supervisor.once("exit", resolve))
    // Nothing killed them: the group outlives its supervisor.
    await new Promise((r) => setTimeout(r, 300))
    const survivors = processesWithMarker(marker)
    expect(survivors.length).toBe(4)
    expect(groupMembers(record.pgid).length).toBe(3)

    // An unrelated live process, named by a record with the wrong start time (a recycled pid), and
    // another with the right one but another boot's id.
    const bystander = spawn("sleep", ["120"], { stdio: "ignore", detached: true })
    started.push(bystander)
    const pid = bystander.pid ?? 0
    const identity = identityOf(pid)
    if (identity === undefined) throw new Error("no identity for the bystander")
    writeRecordSync(runDir(), recordFor("run-recycled", { ...identity, startTime: String(Number(identity.startTime) - 1) }, "sleep"))
    writeRecordSync(runDir(), recordFor("run-other-boot", { ...identity, bootId: "00000000-0000-0000-0000-000000000000" }, "sleep"))
    fs.writeFileSync(path.join(recordsDir(runDir()), "garbage.json"), "{ not a record", { mode: 0o600 })

    const reaped = await Effect.runPromise(reapOrphans(runDir(), { graceMs: 300 }))
    expect(reaped.map((r) => r.pid).sort()).toEqual([...survivors].sort())
    expect(reaped.every((r) => r.killed)).toBe(true)
    expect(processesWithMarker(marker)).toEqual([])
    expect(groupMembers(record.pgid)).toEqual([])
    expect(identityOf(pid)).toEqual(identity)
    expect(fs.readdirSync(recordsDir(runDir()))).toEqual([])
    expect(fs.existsSync(record.workDir)).toBe(false)
  })

  it("with no records, or no run/ at all, there is nothing to reap", async () => {
    expect(await Effect.runPromise(reapOrphans(runDir()))).toEqual([])
  })
})
