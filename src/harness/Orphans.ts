/**
 * Harness process groups outlive nothing, not even a supervisor killed with SIGKILL. Every group
 * the process runtime starts is written down before the harness runs (the group's leader is held
 * at a gate until its record is on disk): one small file per run, `run/harnesses/<run>.json` (0600
 * in a 0700 directory), with the leader's pid, its process group, its start time (field 22 of
 * /proc/<pid>/stat) and the boot id, and the run id the group's processes carry in their
 * environment (`MYCO_RUN_ID`). The record is removed once the group is seen empty.
 *
 * {@link reapOrphans}, called when a supervisor starts, ends what a previous instance left: for
 * each record, the processes that are provably that run's, and then removes the record. A process
 * is the run's when, in the same boot and started no earlier than the recorded leader:
 *  - it is the leader itself, same pid and start time; or
 *  - it is in the recorded process group while the leader is still itself; or
 *  - it carries `MYCO_RUN_ID=<run>` in its initial environment (a member whose leader is gone, or
 *    a descendant that left the group with setsid but kept its environment).
 * A pid that was recycled (same number, another start time) never matches, nor does a process of
 * another group or boot. What a descendant hid from all three (left the group and scrubbed its
 * environment) cannot be told apart from an unrelated process and is left alone. The run's fresh
 * working directory (only a `<tmpdir>/myco-harness-*` one) is removed with the record.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Schema } from "effect"
import { SystemError } from "../domain/Failure.js"
import { ensurePrivateDir, readVaultFile, writePrivateAtomic } from "../lean/SafeFs.js"
import {
  allProcesses,
  bootId,
  environHas,
  type ProcessIdentity,
  type ProcStat,
  startedAtOrAfter,
  stillIs
} from "./Proc.js"

/** The environment variable every process of a run carries: the run id. */
export const RUN_MARKER_VARIABLE = "MYCO_RUN_ID"

/** One recorded process group: `myco.harness-group/v1`. */
export const GroupRecord = Schema.Struct({
  schema: Schema.Literal("myco.harness-group/v1"),
  runId: Schema.String,
  pid: Schema.Int,
  pgid: Schema.Int,
  startTime: Schema.String.pipe(Schema.pattern(/^\d{1,20}$/)),
  bootId: Schema.String,
  command: Schema.String,
  startedAt: Schema.String,
  /** The fresh working directory of the run, removed by the reaper too (absent for a given process.cwd). */
  workDir: Schema.optional(Schema.String)
})
export type GroupRecord = typeof GroupRecord.Type

const decodeRecord = Schema.decodeUnknownEither(Schema.parseJson(GroupRecord))

/** The directory of the records, under the vault's `run/`. */
export const recordsDir = (runDir: string): string => path.join(runDir, "harnesses")

/** A run id as a file name: characters other than letters, digits, `_`, `.` and `-` become `_`. */
const fileNameOf = (runId: string): string => `${runId.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 120)}.json`

/** The record file of a run. */
export const recordFile = (runDir: string, runId: string): string => path.join(recordsDir(runDir), fileNameOf(runId))

/**
 * Writes a run's record (atomically: a reader sees all of it or nothing), creating `run/` and
 * `run/harnesses/` private if needed. It is not flushed to disk: it must survive the supervisor's
 * death, which the page cache does, not the machine's, which ends the group anyway (and changes
 * the boot id). Throws the file system's error.
 */
export const writeRecordSync = (runDir: string, record: GroupRecord): void => {
  for (const dir of [runDir, recordsDir(runDir)]) {
    const check = ensurePrivateDir(dir)
    if (!check.ok) throw new Error(`${dir} ${check.reason}`)
  }
  writePrivateAtomic(recordFile(runDir, record.runId), `${JSON.stringify(record)}\n`)
}

/** Removes a run's record (absent is fine). Throws the file system's other errors. */
export const removeRecordSync = (runDir: string, runId: string): void => {
  fs.rmSync(recordFile(runDir, runId), { force: true })
}

/** The record of a leader that was just spawned. */
export const recordFor = (runId: string, leader: ProcessIdentity, command: string, workDir?: string): GroupRecord => ({
  schema: "myco.harness-group/v1",
  runId,
  pid: leader.pid,
  pgid: leader.pid,
  startTime: leader.startTime,
  bootId: leader.bootId,
  command,
  startedAt: new Date().toISOString(),
  ...(workDir !== undefined ? { workDir } : {})
})

/** Only a fresh working directory (`<tmpdir>/myco-harness-*`) is ever removed by the reaper. */
const isFreshWorkDir = (dir: string): boolean =>
  path.isAbsolute(dir) && path.dirname(dir) === os.tmpdir() && /^myco-harness-[A-Za-z0-9]+$/.test(path.basename(dir))

/**
 * The processes of `record` alive now (see the module's header for what makes a process the
 * run's). `processes` is one scan of /proc.
 */
export const processesOf = (record: GroupRecord, processes: ReadonlyArray<ProcStat>): ReadonlyArray<ProcStat> => {
  if (record.bootId !== bootId()) return []
  const leaderAlive = stillIs({ pid: record.pid, startTime: record.startTime, bootId: record.bootId })
  const marker = `${RUN_MARKER_VARIABLE}=${record.runId}`
  return processes.filter((p) => {
    if (p.pid === process.pid || !startedAtOrAfter(p.startTime, record.startTime)) return false
    if (p.pid === record.pid) return leaderAlive
    if (p.pgid === record.pgid && leaderAlive) return true
    return environHas(p.pid, marker)
  })
}

const sleep = (ms: number) => Effect.sleep(`${ms} millis`)

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig)
  } catch {
    // ESRCH: it is gone already, which is what was wanted. EPERM: not ours, and then not the run's.
  }
}

/**
 * Kills what is left of every recorded group (SIGTERM, then SIGKILL after `graceMs`), waits
 * until none of it is alive, and removes the records. Returns, per process found, its pid and
 * whether it is dead now (false: it would not die, e.g. stuck in the kernel). Records
 * that cannot be read or decoded are removed (they name nothing that can be trusted).
 */
export const reapOrphans = (
  runDir: string,
  options?: { readonly graceMs?: number }
): Effect.Effect<ReadonlyArray<{ readonly pid: number; readonly killed: boolean }>> =>
  Effect.gen(function* () {
    const graceMs = options?.graceMs ?? 1000
    const dir = recordsDir(runDir)
    const names = yield* Effect.sync(() => {
      try {
        return fs.readdirSync(dir).filter((n) => n.endsWith(".json"))
      } catch {
        return []
      }
    })
    if (names.length === 0) return []
    const records: Array<{ readonly file: string; readonly record: GroupRecord | undefined }> = []
    for (const name of names) {
      const file = path.join(dir, name)
      const read = readVaultFile(file, { maxBytes: 16 * 1024 })
      const decoded = read.ok ? decodeRecord(read.text) : undefined
      records.push({ file, record: decoded !== undefined && decoded._tag === "Right" ? decoded.right : undefined })
    }
    const scan = allProcesses()
    const targets = new Map<number, ProcStat>()
    for (const { record } of records) if (record !== undefined) for (const p of processesOf(record, scan)) targets.set(p.pid, p)

    const alive = (p: ProcStat): boolean => stillIs({ pid: p.pid, startTime: p.startTime, bootId: bootId() })
    for (const p of targets.values()) signal(p.pid, "SIGTERM")
    for (let waited = 0; waited < graceMs && [...targets.values()].some(alive); waited += 20) yield* sleep(20)
    for (const p of targets.values()) if (alive(p)) signal(p.pid, "SIGKILL")
    for (let waited = 0; waited < 5000 && [...targets.values()].some(alive); waited += 20) yield* sleep(20)

    const result = [...targets.values()].map((p) => ({ pid: p.pid, killed: !alive(p) }))
    for (const { record } of records) {
      const workDir = record?.workDir
      if (workDir === undefined || !isFreshWorkDir(workDir)) continue
      yield* Effect.sync(() => fs.rmSync(workDir, { recursive: true, force: true })).pipe(
        Effect.catchAllDefect((defect) => Effect.logWarning(`could not remove the harness working directory ${workDir}: ${String(defect)}`))
      )
    }
    for (const { file } of records) {
      yield* Effect.sync(() => fs.rmSync(file, { force: true })).pipe(
        Effect.catchAllDefect((defect) => Effect.logWarning(`could not remove the harness record ${file}: ${String(defect)}`))
      )
    }
    return result
  })

/** Maps a file system error while recording a group to a failure class. */
export const recordFailure = (error: unknown, runDir: string): SystemError =>
  new SystemError({
    operation: "harness.record",
    message: error instanceof Error ? error.message : String(error),
    resource: recordsDir(runDir),
    ...(error instanceof Error && "code" in error && typeof error.code === "string" ? { code: error.code } : {})
  })
