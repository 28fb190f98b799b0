/**
 * One harness process, run in a process group of its own under hard limits, and nothing of it
 * left running afterwards, whatever happens (it succeeds, fails, is killed at a limit, or the run
 * is interrupted).
 *
 * How it starts. The child is spawned detached (setsid: a new session and process group whose id is
 * the child's pid) in its working directory (a fresh private temporary directory, removed after the
 * run, unless one is given), with exactly the environment it is handed. It is spawned as a small
 * gate, `/bin/sh -c 'read -r _ && exec "$@"'`: the shell waits for one line on stdin, and only once
 * the group is recorded (Orphans.ts) does the runtime send that line and the input, and the shell
 * exec()s the harness in place (same pid, same start time, same group). So a group is on disk
 * before the harness runs a single instruction, and a supervisor killed at any moment leaves a
 * record of everything it started.
 *
 * Limits, each of which ends the WHOLE group:
 *  - timeout: a timer from the spawn;
 *  - output: stdout bytes counted as they arrive; only up to the limit is kept;
 *  - memory: the group's resident memory, summed from /proc over every process of the group (and
 *    every descendant seen, see below), polled every `memoryPollMs` (default 50 ms); membership is
 *    rediscovered by a scan of /proc every `memberScanMs` (default 250 ms), the known members are
 *    measured at every poll. An rlimit is not used: RLIMIT_AS bounds address space, not memory, per
 *    process (a Node or JVM harness reserves gigabytes it never touches and would not start), and
 *    RLIMIT_RSS is not enforced by Linux; a cgroup would be exact but needs a delegated hierarchy
 *    that a user's machine does not have. A process that allocates faster than a poll can
 *    overshoot by what it allocates in one poll interval.
 * stderr is kept as a bounded tail (default the last 8 KiB).
 *
 * The kill sequence: SIGTERM to the group (and to each known descendant outside it), then, after
 * `graceMs` (default 2 s) if anything is left, SIGKILL; then it waits until the group is empty (no
 * live process has its pgid: `kill(-pgid, 0)` answers ESRCH) and every known descendant is dead.
 * It is run when a limit is crossed, when the run is interrupted, and when the leader exits
 * leaving members behind (a grandchild that ignores SIGTERM or double-forks to outlive its parent
 * still dies with the group). The run ends only after that.
 *
 * What is guaranteed: every process that stays in the group dies before the run ends. A
 * descendant that leaves the group (setsid) is killed too when it was seen: by the membership
 * scans (ppid chains from the group's processes) and by the sweep at kill time and at the end of
 * every run, which also finds any process carrying the run's `MYCO_RUN_ID` in its environment. One that leaves the group,
 * scrubs its environment and is reparented between two scans cannot be told apart from an
 * unrelated process; the reaper (Orphans.ts) still finds it at the next start if it kept the
 * marker.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Schema } from "effect"
import { RUN_MARKER_VARIABLE, recordFor, removeRecordSync, writeRecordSync } from "./Orphans.js"
import { allProcesses, bootId, environHas, identityOf, type ProcStat, readStat, rssBytes, startedAtOrAfter } from "./Proc.js"

/** The gate: waits for one line on stdin, then becomes the harness. */
const GATE = 'read -r _ || exit 125; exec "$@"'
const SHELL = "/bin/sh"

/** The limits a group is run under (0 for memory: not measured against a limit). */
export interface GroupLimits {
  readonly timeoutMs: number
  readonly memoryBytes: number
  readonly outputBytes: number
}

export interface GroupSpec {
  readonly runId: string
  /** The executable (an absolute path) and its arguments. */
  readonly argv: readonly [string, ...Array<string>]
  /** The working directory; undefined for a fresh private temporary directory removed afterwards. */
  readonly cwd: string | undefined
  /** The environment, given the working directory (MYCO_RUN_ID is added). */
  readonly env: (workDir: string) => Readonly<Record<string, string>>
  /** What is written on stdin (then stdin is closed). */
  readonly input: string
  readonly limits: GroupLimits
  /** The vault's `run/` directory, where the group is recorded. */
  readonly runDir: string
  readonly graceMs?: number
  readonly memoryPollMs?: number
  readonly memberScanMs?: number
  readonly stderrTailBytes?: number
}

export type GroupLimit = "timeout" | "memory" | "output"

/** How a group ended. */
export interface GroupExit {
  readonly exitCode?: number
  readonly signal?: string
  /** stdout, up to the output limit. */
  readonly stdout: Buffer
  /** stdout bytes received (may pass the limit by what arrived before the kill). */
  readonly outputBytes: number
  readonly stderrTail: string
  readonly limit?: GroupLimit
  /** The highest summed RSS measured, in bytes (undefined when never measured). */
  readonly peakRssBytes?: number
  readonly durationMs: number
  /** When the group was spawned and when it was last seen with a live process, in ms since the epoch (fractional). */
  readonly startedAtMs: number
  readonly deadAtMs: number
  /** Processes found alive after the leader exited, killed with the group. */
  readonly leftovers: number
  /** Processes that would not die even after SIGKILL (stuck in the kernel): the record is kept. */
  readonly stillAlive: number
  /** Anything else worth telling, in words. */
  readonly notes: ReadonlyArray<string>
}

/** The group could not be started: where it failed and the system's code. */
export class GroupStartError extends Schema.TaggedError<GroupStartError>()("GroupStartError", {
  stage: Schema.Literal("workdir", "spawn", "record"),
  code: Schema.String,
  message: Schema.String
}) {}

const codeOf = (error: unknown): string =>
  error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : "unknown"
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const signalQuietly = (pid: number, sig: NodeJS.Signals | 0): boolean => {
  try {
    process.kill(pid, sig)
    return true
  } catch {
    // ESRCH (gone) or EPERM (not ours): nothing of ours to signal there.
    return false
  }
}

/**
 * Whether any live process is in group `pgid`. `kill(-pgid, 0)` answers cheaply when the group is
 * empty; when it is not, a scan tells the living from zombies (a member whose parent died waits
 * for init to reap it, which may take a while and which it does not need us for).
 */
const groupAlive = (pgid: number): boolean => signalQuietly(-pgid, 0) && allProcesses().some((p) => p.pgid === pgid)

/** Runs one group to its end; interrupting the Effect kills the group and waits until it is gone. */
export const runGroup = (spec: GroupSpec): Effect.Effect<GroupExit, GroupStartError> =>
  Effect.async<GroupExit, GroupStartError>((resume) => {
    const run = new GroupRun(spec, (outcome) => resume(outcome))
    run.start()
    return Effect.promise(() => run.interrupt())
  })

/** Now, in ms since the epoch, with sub-millisecond precision. */
const wallClockMs = (): number => performance.timeOrigin + performance.now()

/** The longest delay a Node timer takes (longer ones fire at once). */
const MAX_TIMER_MS = 2_147_483_647
const DEFAULTS = { graceMs: 2000, memoryPollMs: 50, memberScanMs: 250, stderrTailBytes: 8 * 1024 }
/** How long after SIGKILL the group is waited for before it is reported as stuck. */
const KILL_WAIT_MS = 5000
/** How long the pipes may stay open after the group is dead (held by an unseen escapee). */
const CLOSE_WAIT_MS = 500

class GroupRun {
  private readonly graceMs: number
  private readonly memoryPollMs: number
  private readonly memberScanMs: number
  private readonly tailBytes: number
  private readonly started = process.hrtime.bigint()
  private readonly startedAtMs = wallClockMs()
  private deadAtMs = 0
  private child: ChildProcessWithoutNullStreams | undefined
  private pgid = 0
  private leaderStart = "0"
  private workDir: string | undefined
  private ownsWorkDir = false
  private recorded = false
  private readonly stdout: Array<Buffer> = []
  private stdoutKept = 0
  private outputBytes = 0
  private stderr: Buffer = Buffer.alloc(0)
  private limit: GroupLimit | undefined
  private peakRss: number | undefined
  private exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined
  private closed = false
  private leftovers = 0
  private stillAlive = 0
  private readonly notes: Array<string> = []
  /** Every process of the run seen (group members and descendants), by pid, with its start time. */
  private readonly known = new Map<number, string>()
  private timers: Array<NodeJS.Timeout> = []
  private killing: Promise<void> | undefined
  private finishing: Promise<void> | undefined
  private done = false

  constructor(
    private readonly spec: GroupSpec,
    private readonly resume: (outcome: Effect.Effect<GroupExit, GroupStartError>) => void
  ) {
    this.graceMs = spec.graceMs ?? DEFAULTS.graceMs
    this.memoryPollMs = spec.memoryPollMs ?? DEFAULTS.memoryPollMs
    this.memberScanMs = spec.memberScanMs ?? DEFAULTS.memberScanMs
    this.tailBytes = spec.stderrTailBytes ?? DEFAULTS.stderrTailBytes
  }

  start(): void {
    try {
      if (this.spec.cwd === undefined) {
        this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), "myco-harness-"))
        this.ownsWorkDir = true
        fs.chmodSync(this.workDir, 0o700)
      } else {
        this.workDir = this.spec.cwd
      }
    } catch (error) {
      this.failStart("workdir", error)
      return
    }
    const workDir = this.workDir
    const env = { ...this.spec.env(workDir), [RUN_MARKER_VARIABLE]: this.spec.runId }
    let child: ChildProcessWithoutNullStreams
    try {
      child = spawn(SHELL, ["-c", GATE, "myco-harness", ...this.spec.argv], {
        cwd: workDir,
        env,
        detached: true,
        stdio: ["pipe", "pipe", "pipe"]
      })
    } catch (error) {
      this.failStart("spawn", error)
      return
    }
    this.child = child
    const pid = child.pid
    if (pid === undefined) {
      child.once("error", (error) => this.failStart("spawn", error))
      return
    }
    child.on("error", (error) => this.notes.push(`child process error: ${messageOf(error)}`))
    this.pgid = pid
    const leader = identityOf(pid) ?? { pid, startTime: "0", bootId: bootId() }
    this.leaderStart = leader.startTime
    this.known.set(pid, leader.startTime)
    try {
      writeRecordSync(this.spec.runDir, recordFor(this.spec.runId, leader, this.spec.argv[0], this.ownsWorkDir ? workDir : undefined))
      this.recorded = true
    } catch (error) {
      // The harness has not run yet (it waits at the gate): end it, and say why.
      signalQuietly(-pid, "SIGKILL")
      const failure = new GroupStartError({ stage: "record", code: codeOf(error), message: messageOf(error) })
      this.finish().then(() => this.resume(Effect.fail(failure)))
      this.attach(child)
      return
    }
    this.attach(child)
    child.stdin.on("error", (error) => this.notes.push(`stdin: ${messageOf(error)} (the harness stopped reading its task)`))
    child.stdin.write("\n")
    child.stdin.end(this.spec.input)

    const { timeoutMs, memoryBytes } = this.spec.limits
    this.timers.push(setTimeout(() => this.crossed("timeout"), Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS)))
    this.timers.push(setInterval(() => this.measure(memoryBytes), this.memoryPollMs))
    this.timers.push(setInterval(() => this.scan(), this.memberScanMs))
  }

  /** Interruption: kill everything, clean up, and resolve once nothing is left. */
  interrupt(): Promise<void> {
    if (this.child === undefined || this.done) return this.finishing ?? Promise.resolve()
    this.notes.push("interrupted")
    void this.kill()
    return this.finish()
  }

  private attach(child: ChildProcessWithoutNullStreams): void {
    child.stdout.on("data", (chunk: Buffer) => {
      this.outputBytes += chunk.length
      const room = this.spec.limits.outputBytes - this.stdoutKept
      if (room > 0) {
        const kept = chunk.length <= room ? chunk : chunk.subarray(0, room)
        this.stdout.push(kept)
        this.stdoutKept += kept.length
      }
      if (this.outputBytes > this.spec.limits.outputBytes) this.crossed("output")
    })
    child.stderr.on("data", (chunk: Buffer) => {
      const joined = Buffer.concat([this.stderr, chunk])
      this.stderr = joined.length > this.tailBytes ? Buffer.from(joined.subarray(joined.length - this.tailBytes)) : joined
    })
    child.on("exit", (code, signal) => {
      this.exit = { code, signal }
      void this.finish().then(() => {
        if (!this.recordFailed()) this.resume(Effect.succeed(this.outcome()))
      })
    })
    child.on("close", () => {
      this.closed = true
    })
  }

  private recordFailed(): boolean {
    return !this.recorded
  }

  private failStart(stage: "workdir" | "spawn", error: unknown): void {
    if (this.ownsWorkDir && this.workDir !== undefined) fs.rmSync(this.workDir, { recursive: true, force: true })
    this.done = true
    this.resume(Effect.fail(new GroupStartError({ stage, code: codeOf(error), message: messageOf(error) })))
  }

  private crossed(limit: GroupLimit): void {
    if (this.limit !== undefined || this.exit !== undefined || this.done) return
    this.limit = limit
    void this.kill()
  }

  /** Sums the RSS of the run's known processes; kills the group past the memory limit. */
  private measure(memoryBytes: number): void {
    let total = 0
    for (const [pid, startTime] of this.known) {
      const stat = readStat(pid)
      if (stat === undefined || stat.state === "Z" || stat.startTime !== startTime) {
        if (pid !== this.pgid) this.known.delete(pid)
        continue
      }
      total += rssBytes(pid)
    }
    if (this.peakRss === undefined || total > this.peakRss) this.peakRss = total
    if (memoryBytes > 0 && total > memoryBytes) this.crossed("memory")
  }

  /** One scan of /proc: the group's members, and descendants of the run's processes (by ppid). */
  private scan(processes: ReadonlyArray<ProcStat> = allProcesses()): void {
    let grew = true
    while (grew) {
      grew = false
      for (const p of processes) {
        if (this.known.get(p.pid) === p.startTime || !startedAtOrAfter(p.startTime, this.leaderStart)) continue
        const parentStart = this.known.get(p.ppid)
        if (p.pgid === this.pgid || parentStart !== undefined) {
          this.known.set(p.pid, p.startTime)
          grew = true
        }
      }
    }
  }

  /** Known processes outside the group still alive (same pid, same start time). */
  private escapees(): Array<number> {
    const alive: Array<number> = []
    for (const [pid, startTime] of this.known) {
      if (pid === this.pgid) continue
      const stat = readStat(pid)
      if (stat !== undefined && stat.state !== "Z" && stat.startTime === startTime && stat.pgid !== this.pgid) alive.push(pid)
    }
    return alive
  }

  /** Adds every process that carries the run's marker (started after the leader) to the known set. */
  private sweepMarked(): void {
    const marker = `${RUN_MARKER_VARIABLE}=${this.spec.runId}`
    const processes = allProcesses()
    this.scan(processes)
    for (const p of processes) {
      if (p.pid === process.pid || this.known.has(p.pid) || !startedAtOrAfter(p.startTime, this.leaderStart)) continue
      if (environHas(p.pid, marker)) this.known.set(p.pid, p.startTime)
    }
  }

  private anythingAlive(): boolean {
    return groupAlive(this.pgid) || this.escapees().length > 0
  }

  /** SIGTERM, grace, SIGKILL; resolves when the group is empty and every known escapee is dead. */
  private kill(): Promise<void> {
    if (this.killing !== undefined) return this.killing
    this.killing = (async () => {
      this.sweepMarked()
      const signalAll = (sig: NodeJS.Signals) => {
        signalQuietly(-this.pgid, sig)
        for (const pid of this.escapees()) signalQuietly(pid, sig)
      }
      signalAll("SIGTERM")
      if (!(await this.waitUntilEmpty(this.graceMs))) {
        this.notes.push(`still running ${this.graceMs} ms after SIGTERM: SIGKILL`)
        this.sweepMarked()
        signalAll("SIGKILL")
        if (!(await this.waitUntilEmpty(KILL_WAIT_MS))) {
          this.stillAlive = allProcesses().filter((p) => p.pgid === this.pgid).length + this.escapees().length
          this.notes.push(`${this.stillAlive} process(es) still alive ${KILL_WAIT_MS} ms after SIGKILL`)
        }
      }
    })()
    return this.killing
  }

  private async waitUntilEmpty(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms
    for (;;) {
      if (!this.anythingAlive()) return true
      if (Date.now() >= deadline) return false
      await new Promise((r) => setTimeout(r, 5))
    }
  }

  /** Once the leader is gone (or the run is interrupted): nothing left alive, pipes closed, files removed. */
  private finish(): Promise<void> {
    if (this.finishing !== undefined) return this.finishing
    this.finishing = (async () => {
      for (const timer of this.timers) clearTimeout(timer)
      this.timers = []
      // Members left behind by a leader that exited, or escapees seen: they go with the group.
      if (this.killing === undefined && this.pgid !== 0) {
        // One sweep at the end of every run: a descendant that left the group (setsid) between two
        // scans, or before the first one, is still found by the run's marker.
        this.sweepMarked()
        if (this.anythingAlive()) {
          this.leftovers = allProcesses().filter((p) => p.pgid === this.pgid).length + this.escapees().length
          this.notes.push(`${this.leftovers} process(es) outlived the harness: killed with its group`)
          void this.kill()
        }
      }
      if (this.killing !== undefined) await this.killing
      this.deadAtMs = wallClockMs()
      if (this.exit === undefined && this.child !== undefined) {
        const child = this.child
        await new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve()
          else child.once("exit", () => resolve())
        })
      }
      const closeDeadline = Date.now() + CLOSE_WAIT_MS
      while (!this.closed && this.child !== undefined && Date.now() < closeDeadline) await new Promise((r) => setTimeout(r, 5))
      if (!this.closed && this.child !== undefined) {
        this.child.stdout.destroy()
        this.child.stderr.destroy()
        this.notes.push("stdout stayed open after the group died (held by a process that left it)")
      }
      if (this.recorded && this.stillAlive === 0) {
        try {
          removeRecordSync(this.spec.runDir, this.spec.runId)
        } catch (error) {
          this.notes.push(`could not remove the group's record: ${messageOf(error)}`)
        }
      }
      if (this.ownsWorkDir && this.workDir !== undefined) {
        try {
          fs.rmSync(this.workDir, { recursive: true, force: true, maxRetries: 2 })
        } catch (error) {
          this.notes.push(`could not remove the working directory ${this.workDir}: ${messageOf(error)}`)
        }
      }
      this.done = true
    })()
    return this.finishing
  }

  private outcome(): GroupExit {
    const exit = this.exit
    return {
      ...(exit?.code !== null && exit?.code !== undefined ? { exitCode: exit.code } : {}),
      ...(exit?.signal !== null && exit?.signal !== undefined ? { signal: exit.signal } : {}),
      stdout: Buffer.concat(this.stdout),
      outputBytes: this.outputBytes,
      stderrTail: this.stderr.toString("utf8"),
      ...(this.limit !== undefined ? { limit: this.limit } : {}),
      ...(this.peakRss !== undefined ? { peakRssBytes: this.peakRss } : {}),
      durationMs: Number(process.hrtime.bigint() - this.started) / 1e6,
      startedAtMs: this.startedAtMs,
      deadAtMs: this.deadAtMs,
      leftovers: this.leftovers,
      stillAlive: this.stillAlive,
      notes: this.notes
    }
  }
}
