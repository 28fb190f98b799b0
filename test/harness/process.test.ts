/**
 * The process runtime on real processes: each misbehaving fixture (test/fixtures/harness/) ends in
 * the right failure class with the right diagnostics, nothing it started is left running (no
 * process of its group, none with its marker in argv), its working directory and its record are
 * removed, and a healthy harness's concurrent runs succeed while bad ones flood and blow up.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Cause, Effect, Either, Exit, Fiber } from "effect"
import { AgentError, ConfigError } from "../../src/domain/Failure.js"
import { GroupStartError } from "../../src/harness/ProcessGroup.js"
import { makeProcessRuntime, ProcessRuntime, resolveExecutable, startFailure } from "../../src/harness/runtimes/Process.js"
import type { RunDiagnostics, RunFailure, RunOutcome } from "../../src/harness/Runtime.js"
import { FIXTURE_DIR, type FixtureOptions, fixtureContext, fixtureManifest } from "../fixtures/harness/context.js"
import { processesWithMarker, uniqueMarker } from "./support.js"

let vaultDir: string
beforeAll(() => {
  vaultDir = fs.mkdtempSync(path.join(os.tmpdir(), "myco-hproc-"))
})
afterAll(() => fs.rmSync(vaultDir, { recursive: true, force: true }))

const runtime = makeProcessRuntime({ graceMs: 300 })
let runs = 0

interface Ran {
  readonly result: Either.Either<RunOutcome, RunFailure>
  readonly diagnostics: RunDiagnostics
  readonly marker: string
}

/** One run of the fixture in `mode`; checks that nothing of it is left afterwards. */
const runFixture = async (mode: string, options: Partial<FixtureOptions> = {}): Promise<Ran> => {
  const marker = uniqueMarker(mode)
  const runId = `run-${mode}-${runs++}`
  const { context, diagnostics } = fixtureContext({ vaultDir, runId, args: [mode, marker], ...options })
  const result = await Effect.runPromise(Effect.either(runtime.run(context)))
  expect(processesWithMarker(marker)).toEqual([])
  expect(fs.existsSync(path.join(vaultDir, "run", "harnesses", `${runId}.json`))).toBe(false)
  return { result, diagnostics: diagnostics(), marker }
}

const failure = (ran: Ran): RunFailure => {
  if (Either.isRight(ran.result)) throw new Error(`expected a failure, got ${JSON.stringify(ran.result.right)}`)
  return ran.result.left
}

const agentFailure = (ran: Ran): AgentError => {
  const error = failure(ran)
  expect(error).toBeInstanceOf(AgentError)
  if (!(error instanceof AgentError)) throw new Error("not an AgentError")
  return error
}

describe("the process runtime", () => {
  it("gives the task on stdin and decodes the result from stdout, in a fresh private directory it removes", async () => {
    const ran = await runFixture("succeed")
    if (Either.isLeft(ran.result)) throw new Error(JSON.stringify(ran.result.left))
    const output = ran.result.right.output as { title: string; runId: string; cwd: string }
    expect(output.title).toBe("session s-1")
    expect(output.runId).toMatch(/^run-succeed-/)
    expect(output.cwd.startsWith(fs.realpathSync(os.tmpdir()))).toBe(true)
    expect(fs.existsSync(output.cwd)).toBe(false)
    expect(ran.result.right.usage).toEqual({ turns: 1 })
    expect(ran.diagnostics).toMatchObject({ exitCode: 0, usage: { turns: 1 } })
    expect(ran.diagnostics.outputBytes).toBeGreaterThan(0)
  })

  it("runs a harness of a few lines of Python", async () => {
    const { context } = fixtureContext({ vaultDir, runId: "run-python", command: ["python3", path.join(FIXTURE_DIR, "summarize.py")] })
    const result = await Effect.runPromise(runtime.run(context))
    expect(result.output).toEqual({ title: "claude-code session with 2 events" })
  })

  it("scrubs the environment: only PATH, HOME, TMPDIR, LANG, MYCO_RUN_ID and what env.pass names", async () => {
    const scrubbing = makeProcessRuntime({ environment: { ...process.env, MYCO_TEST_SECRET_KEY: "sk-should-not-pass", MYCO_TEST_PASSED: "yes" } })
    const { context } = fixtureContext({ vaultDir, runId: "run-env", args: ["env", uniqueMarker("env")], pass: ["MYCO_TEST_PASSED", "MYCO_TEST_ABSENT"] })
    const result = await Effect.runPromise(scrubbing.run(context))
    const { env, cwd } = result.output as { env: Record<string, string>; cwd: string }
    expect(Object.keys(env).sort()).toEqual(["HOME", "LANG", "MYCO_RUN_ID", "MYCO_TEST_PASSED", "PATH", "PWD", "TMPDIR"])
    expect(env["MYCO_TEST_PASSED"]).toBe("yes")
    expect(env["MYCO_RUN_ID"]).toBe("run-env")
    expect(env["HOME"]).toBe(cwd)
    expect(env["TMPDIR"]).toBe(cwd)
    expect(env["PATH"]).toBe(`${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`)
  })

  it("runs in process.cwd when it is given, and leaves that directory in place", async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "myco-hproc-cwd-"))
    try {
      const ran = await runFixture("succeed", { cwd })
      if (Either.isLeft(ran.result)) throw new Error(JSON.stringify(ran.result.left))
      expect((ran.result.right.output as { cwd: string }).cwd).toBe(fs.realpathSync(cwd))
      expect(fs.existsSync(cwd)).toBe(true)
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true })
    }
  })

  it("a non-zero exit is an AgentError with the exit code and stderr's tail", async () => {
    const ran = await runFixture("exit")
    const error = agentFailure(ran)
    expect(error.exitCode).toBe(3)
    expect(error.stderrTail).toContain("something went wrong")
    expect(ran.diagnostics).toMatchObject({ exitCode: 3 })
    expect(ran.diagnostics.stderrTail).toContain("something went wrong")
  })

  it("a crash is an AgentError with the signal", async () => {
    const ran = await runFixture("crash")
    expect(agentFailure(ran).message).toContain("crashed (killed by SIGSEGV)")
    expect(ran.diagnostics.signal).toBe("SIGSEGV")
  })

  it("an answer that is not a result document is an AgentError saying what was wrong", async () => {
    const ran = await runFixture("invalid")
    expect(agentFailure(ran).message).toContain("invalid myco.result/v1 document")
    expect(ran.diagnostics).toMatchObject({ exitCode: 0, outputBytes: 18 })
  })

  it("a harness that hangs and ignores SIGTERM is killed at its timeout, with SIGKILL after the grace", async () => {
    const ran = await runFixture("hang", { timeoutMs: 1500 })
    const error = agentFailure(ran)
    expect(error.limit).toBe("timeout")
    expect(error.message).toContain("ran past its timeout (1500 ms)")
    expect(ran.diagnostics).toMatchObject({ limit: "timeout", signal: "SIGKILL" })
    expect(ran.diagnostics.note).toContain("SIGKILL")
  })

  it("a harness that sleeps past its timeout is killed (SIGTERM is enough)", async () => {
    const ran = await runFixture("sleep", { timeoutMs: 1500 })
    expect(agentFailure(ran).limit).toBe("timeout")
    expect(ran.diagnostics).toMatchObject({ limit: "timeout", signal: "SIGTERM" })
  })

  it("a harness over its memory limit is killed, with the peak measured", async () => {
    const memoryBytes = 200 * 1024 * 1024
    const ran = await runFixture("allocate", { memoryBytes })
    const error = agentFailure(ran)
    expect(error.limit).toBe("memory")
    expect(ran.diagnostics.limit).toBe("memory")
    expect(ran.diagnostics.peakRssBytes).toBeGreaterThan(memoryBytes)
  })

  it("a harness that floods stdout is killed at its output limit", async () => {
    const outputBytes = 256 * 1024
    const ran = await runFixture("flood", { outputBytes })
    expect(agentFailure(ran).limit).toBe("output")
    expect(ran.diagnostics.limit).toBe("output")
    expect(ran.diagnostics.outputBytes).toBeGreaterThan(outputBytes)
  })

  it("a grandchild left in the group, ignoring SIGTERM, dies with the group", async () => {
    const ran = await runFixture("grandchild")
    expect(Either.isRight(ran.result)).toBe(true)
    expect(ran.diagnostics.note).toContain("outlived the harness")
  })

  it("a grandchild that leaves the group (setsid) and ignores SIGTERM is found by the run's marker and killed", async () => {
    const ran = await runFixture("escape")
    expect(Either.isRight(ran.result)).toBe(true)
    expect(ran.diagnostics.note).toContain("outlived the harness")
  })

  it("interrupting the run kills the group and waits until it is gone", async () => {
    const marker = uniqueMarker("interrupt")
    const { context } = fixtureContext({ vaultDir, runId: "run-interrupt", args: ["family", marker] })
    await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(runtime.run(context))
        for (let i = 0; i < 600 && processesWithMarker(marker).length < 4; i++) yield* Effect.sleep("50 millis")
        // The harness and its three children (one of which left the group).
        expect(processesWithMarker(marker).length).toBe(4)
        const exit = yield* Fiber.interrupt(fiber)
        expect(Exit.isInterrupted(exit) || (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause))).toBe(true)
      })
    )
    expect(processesWithMarker(marker)).toEqual([])
    expect(fs.existsSync(path.join(vaultDir, "run", "harnesses", "run-interrupt.json"))).toBe(false)
  })

  it("a healthy harness's concurrent runs are unaffected while others flood, blow up and hang", async () => {
    const bad = Promise.all([
      runFixture("flood", { outputBytes: 256 * 1024 }),
      runFixture("allocate", { memoryBytes: 200 * 1024 * 1024 }),
      runFixture("hang", { timeoutMs: 2000 }),
      runFixture("crash")
    ])
    const good = Promise.all(Array.from({ length: 6 }, () => runFixture("succeed")))
    const [badRuns, goodRuns] = await Promise.all([bad, good])
    for (const ran of goodRuns) expect(Either.isRight(ran.result)).toBe(true)
    expect(badRuns.map((ran) => (failure(ran) as AgentError).limit)).toEqual(["output", "memory", "timeout", undefined])
  })

  it("an executable that is missing or not executable is a ConfigError with the fix, and the probe says so", async () => {
    const missing = fixtureManifest({ vaultDir, runId: "x", command: ["myco-no-such-harness-binary"], name: "ghost" })
    const probe = await Effect.runPromise(ProcessRuntime.probe(missing))
    expect(probe.ok).toBe(false)
    expect(probe.detail).toContain("myco-no-such-harness-binary is not on PATH")
    expect(probe.detail).toContain("myco harness check ghost")

    const { context } = fixtureContext({ vaultDir, runId: "run-missing", command: ["myco-no-such-harness-binary"], name: "ghost" })
    const error = await Effect.runPromise(Effect.flip(runtime.run(context)))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error).toMatchObject({ fix: "myco harness check ghost" })

    const notExecutable = fixtureContext({ vaultDir, runId: "run-noexec", command: [path.join(FIXTURE_DIR, "context.ts")], name: "noexec" })
    const noexec = await Effect.runPromise(Effect.flip(runtime.run(notExecutable.context)))
    expect(noexec).toBeInstanceOf(ConfigError)
    expect(noexec.message).toContain("is not an executable file")

    const present = await Effect.runPromise(ProcessRuntime.probe(fixtureManifest({ vaultDir, runId: "x", command: ["node"] })))
    expect(present.ok).toBe(true)
  })

  it("resolves a bare name on PATH as a shell would, in order, skipping what is not executable", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "myco-hproc-path-"))
    try {
      for (const sub of ["a", "b"]) fs.mkdirSync(path.join(dir, sub))
      fs.writeFileSync(path.join(dir, "a", "tool"), "#!/bin/sh\n", { mode: 0o644 })
      fs.writeFileSync(path.join(dir, "b", "tool"), "#!/bin/sh\n", { mode: 0o755 })
      expect(resolveExecutable("tool", `${path.join(dir, "a")}::${path.join(dir, "b")}`, "/")).toEqual({ ok: true, file: path.join(dir, "b", "tool") })
      expect(resolveExecutable("./b/tool", "", dir)).toEqual({ ok: true, file: path.join(dir, "b", "tool") })
      expect(resolveExecutable("tool", "", dir).ok).toBe(false)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("classifies what stops a group from starting: disk full, out of descriptors, setup", () => {
    const manifest = fixtureManifest({ vaultDir, runId: "x" })
    const classOf = (code: string) => startFailure(manifest, new GroupStartError({ stage: "record", code, message: code }))._tag
    expect(classOf("ENOSPC")).toBe("SystemError")
    expect(classOf("EMFILE")).toBe("TransientError")
    expect(classOf("EAGAIN")).toBe("TransientError")
    expect(classOf("EACCES")).toBe("ConfigError")
  })

  it("a run/ that cannot hold the record fails the run before the harness runs, and nothing is left", async () => {
    const fileVault = fs.mkdtempSync(path.join(os.tmpdir(), "myco-hproc-bad-"))
    try {
      fs.writeFileSync(path.join(fileVault, "run"), "not a directory")
      const marker = uniqueMarker("norecord")
      const { context } = fixtureContext({ vaultDir: fileVault, runId: "run-norecord", args: ["succeed", marker] })
      const error = await Effect.runPromise(Effect.flip(runtime.run(context)))
      expect(["SystemError", "ConfigError"]).toContain(error._tag)
      expect(processesWithMarker(marker)).toEqual([])
    } finally {
      fs.rmSync(fileVault, { recursive: true, force: true })
    }
  })
})
