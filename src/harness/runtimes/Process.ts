/**
 * The process runtime: any executable is a harness. The task (`myco.task/v1`) is written as one
 * JSON document on the process's stdin, which is then closed; the answer is one JSON document
 * (`myco.result/v1`) on its stdout, decoded with Schema: an answer that does not decode is an
 * AgentError with what was wrong, never a crash. The process runs in a process group of its own,
 * in a fresh private working directory, with a scrubbed environment, under the manifest's
 * timeout, memory and output limits, each of which kills the whole group (ProcessGroup.ts); the
 * group is recorded before the harness runs so that a supervisor killed meanwhile leaves nothing
 * running after its next start (Orphans.ts).
 *
 * The environment is built, never inherited: PATH (the executable's own directory, then
 * /usr/local/bin:/usr/bin:/bin), HOME and TMPDIR (the run's working directory when it is a fresh
 * one, else HOME is that directory too and TMPDIR the system's), LANG (the supervisor's, or
 * C.UTF-8) and MYCO_RUN_ID; then each variable named in `env.pass` that the supervisor has, which
 * may override those four. Nothing else, API keys included.
 *
 * Failure classes: a non-zero exit, a crash (a signal), a limit crossed, an invalid answer are
 * AgentErrors; an executable that is missing or not executable is a ConfigError whose fix is
 * `myco harness check NAME`; a full disk (ENOSPC) is a SystemError; out of descriptors or
 * processes (EMFILE, ENFILE, EAGAIN, ENOMEM) a TransientError.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Effect, Either, ParseResult, Schema } from "effect"
import { AgentError, ConfigError, SystemError, TransientError } from "../../domain/Failure.js"
import type { HarnessManifest } from "../Manifest.js"
import { type GroupExit, type GroupStartError, runGroup } from "../ProcessGroup.js"
import type { HarnessRuntime, ProbeResult, RunContext, RunDiagnostics, RunFailure, RunOutcome } from "../Runtime.js"
import { ResultDocument, TaskDocument } from "../Task.js"

/** The PATH after the executable's own directory. */
export const MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin"

/** Options of {@link makeProcessRuntime} (tests and benches tune the timings; the defaults are the product's). */
export interface ProcessRuntimeOptions {
  /** Where PATH lookup and `env.pass` read from; the supervisor's own environment by default. */
  readonly environment?: Readonly<Record<string, string | undefined>>
  /** Between SIGTERM and SIGKILL, in ms (default 2000). */
  readonly graceMs?: number
  /** How often the group's memory is measured, in ms (default 50). */
  readonly memoryPollMs?: number
  /** How often the group's membership is rescanned from /proc, in ms (default 250). */
  readonly memberScanMs?: number
  /** How much of stderr is kept, in bytes (default 8 KiB). */
  readonly stderrTailBytes?: number
}

/** What the probe and the run find about the executable. */
type Resolved = { readonly ok: true; readonly file: string } | { readonly ok: false; readonly detail: string }

const isExecutableFile = (file: string): boolean => {
  try {
    if (!fs.statSync(file).isFile()) return false
    fs.accessSync(file, fs.constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Finds the executable as a shell would: a name with a slash is a path (relative to `baseDir`),
 * a bare name is looked up in each directory of `pathVariable` in order (empty entries, which a
 * shell reads as the current directory, are skipped: the supervisor's current directory means
 * nothing to a harness).
 */
export const resolveExecutable = (command: string, pathVariable: string | undefined, baseDir: string): Resolved => {
  if (command.length === 0) return { ok: false, detail: "process.command[0] is empty" }
  if (command.includes("/")) {
    const file = path.resolve(baseDir, command)
    if (!fs.existsSync(file)) return { ok: false, detail: `${file} does not exist` }
    return isExecutableFile(file) ? { ok: true, file } : { ok: false, detail: `${file} is not an executable file` }
  }
  const dirs = (pathVariable ?? "").split(":").filter((d) => d.length > 0)
  for (const dir of dirs) {
    const file = path.join(dir, command)
    if (isExecutableFile(file)) return { ok: true, file }
  }
  return { ok: false, detail: `${command} is not on PATH (${dirs.length === 0 ? "PATH is empty" : dirs.join(":")})` }
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The harness's environment (see the module's header). */
export const harnessEnvironment = (
  source: Readonly<Record<string, string | undefined>>,
  pass: ReadonlyArray<string>,
  executable: string,
  workDir: string,
  freshWorkDir: boolean
): Record<string, string> => {
  const env: Record<string, string> = {
    PATH: `${path.dirname(executable)}:${MINIMAL_PATH}`,
    HOME: workDir,
    TMPDIR: freshWorkDir ? workDir : os.tmpdir(),
    LANG: source["LANG"] ?? "C.UTF-8"
  }
  for (const name of pass) {
    const value = source[name]
    if (VARIABLE_NAME.test(name) && value !== undefined) env[name] = value
  }
  return env
}

const MAX_PARSE_MESSAGE = 2000

const agentError = (manifest: HarnessManifest, message: string, exit: GroupExit | undefined, limit?: string): AgentError =>
  new AgentError({
    actor: `harness:${manifest.name}`,
    message,
    ...(exit?.exitCode !== undefined ? { exitCode: exit.exitCode } : {}),
    ...(exit !== undefined && exit.stderrTail.length > 0 ? { stderrTail: exit.stderrTail } : {}),
    ...(limit !== undefined ? { limit } : {})
  })

const checkFix = (manifest: HarnessManifest) => `myco harness check ${manifest.name}`

const missingExecutable = (manifest: HarnessManifest, detail: string): ConfigError =>
  new ConfigError({
    message: `harness ${manifest.name}: cannot run its command: ${detail}`,
    hint: "install the program, or give process.command[0] as a path to an executable file, in the harness's manifest",
    fix: checkFix(manifest),
    path: manifest.source
  })

/** The failure class of a group that could not be started. */
export const startFailure = (manifest: HarnessManifest, error: GroupStartError): RunFailure => {
  const what = `harness ${manifest.name}: could not start (${error.stage}): ${error.message}`
  switch (error.code) {
    case "ENOSPC":
    case "EDQUOT":
    case "EROFS":
    case "EIO":
      return new SystemError({ operation: `harness.${error.stage}`, message: what, code: error.code })
    case "EMFILE":
    case "ENFILE":
    case "EAGAIN":
    case "ENOMEM":
      return new TransientError({ operation: `harness.${error.stage}`, message: what, code: error.code })
    case "ENOENT":
    case "EACCES":
    case "ENOTDIR":
      return new ConfigError({
        message: what,
        hint: error.stage === "spawn" ? "check process.cwd and that /bin/sh exists" : "check that the vault's run/ directory and the temporary directory are writable",
        fix: checkFix(manifest),
        path: manifest.source
      })
    default:
      return new SystemError({ operation: `harness.${error.stage}`, message: what, code: error.code })
  }
}

const decodeResult = Schema.decodeUnknownEither(Schema.parseJson(ResultDocument))
const encodeTask = Schema.encodeEither(TaskDocument)

/** What a finished group tells the run's record. */
const diagnosticsOf = (exit: GroupExit, usage: RunDiagnostics["usage"]): RunDiagnostics => ({
  ...(exit.exitCode !== undefined ? { exitCode: exit.exitCode } : {}),
  ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
  ...(exit.stderrTail.length > 0 ? { stderrTail: exit.stderrTail } : {}),
  ...(exit.limit !== undefined ? { limit: exit.limit } : {}),
  ...(exit.peakRssBytes !== undefined ? { peakRssBytes: exit.peakRssBytes } : {}),
  outputBytes: exit.outputBytes,
  ...(usage !== undefined ? { usage } : {}),
  ...(exit.notes.length > 0 ? { note: exit.notes.join("; ") } : {})
})

const LIMIT_WORDS = { timeout: "ran past its timeout", memory: "went over its memory limit", output: "wrote more than its output limit" } as const

/** Judges a finished group: its answer, or the failure class of what went wrong. */
const judge = (manifest: HarnessManifest, exit: GroupExit): Either.Either<RunOutcome, RunFailure> => {
  if (exit.stillAlive > 0) {
    return Either.left(
      new SystemError({ operation: "harness.kill", message: `harness ${manifest.name}: ${exit.stillAlive} process(es) of its group would not die after SIGKILL` })
    )
  }
  if (exit.limit !== undefined) {
    const limits = manifest.limits
    const bound = exit.limit === "timeout" ? `${limits.timeout} ms` : exit.limit === "memory" ? `${limits.memory} bytes` : `${limits.output} bytes`
    return Either.left(agentError(manifest, `harness ${manifest.name} ${LIMIT_WORDS[exit.limit]} (${bound}): its process group was killed`, exit, exit.limit))
  }
  if (exit.signal !== undefined) return Either.left(agentError(manifest, `harness ${manifest.name} crashed (killed by ${exit.signal})`, exit))
  if (exit.exitCode !== 0) return Either.left(agentError(manifest, `harness ${manifest.name} exited with code ${exit.exitCode ?? "unknown"}`, exit))
  const decoded = decodeResult(exit.stdout.toString("utf8"))
  if (Either.isLeft(decoded)) {
    const why = ParseResult.TreeFormatter.formatErrorSync(decoded.left).slice(0, MAX_PARSE_MESSAGE)
    return Either.left(agentError(manifest, `harness ${manifest.name} answered with an invalid myco.result/v1 document: ${why}`, exit))
  }
  return Either.right({ output: decoded.right.output, usage: decoded.right.usage ?? {} })
}

/**
 * The project a manifest belongs to, for a relative process.command[0] when probing without a run:
 * the directory above `.agents/harnesses/` of its source file, else the current directory.
 */
const projectRootOf = (manifest: HarnessManifest): string => {
  const marker = `${path.sep}.agents${path.sep}harnesses${path.sep}`
  const at = manifest.source.lastIndexOf(marker)
  if (at > 0) return manifest.source.slice(0, at)
  // A harness declared elsewhere (built in, or in a test) resolves relative paths from here; a
  // working directory that was removed under this process leaves the temp dir.
  try {
    return process.cwd()
  } catch {
    return os.tmpdir()
  }
}

/** A process runtime; the options are for tests and benches (the defaults are the product's). */
export const makeProcessRuntime = (options: ProcessRuntimeOptions = {}): HarnessRuntime => {
  const environment = (): Readonly<Record<string, string | undefined>> => options.environment ?? process.env

  const resolve = (manifest: HarnessManifest, projectRoot: string): Resolved => {
    const settings = manifest.process
    if (settings === undefined) return { ok: false, detail: "the manifest has no process.command" }
    return resolveExecutable(settings.command[0], environment()["PATH"], projectRoot)
  }

  const probe = (manifest: HarnessManifest): Effect.Effect<ProbeResult> =>
    Effect.sync(() => {
      const found = resolve(manifest, projectRootOf(manifest))
      return found.ok
        ? { ok: true, detail: `${found.file} is an executable file` }
        : { ok: false, detail: `${found.detail}; install it or give its path in process.command, then run ${checkFix(manifest)}` }
    })

  const run = (context: RunContext): Effect.Effect<RunOutcome, RunFailure> =>
    Effect.gen(function* () {
      const { manifest } = context
      const settings = manifest.process
      const found = resolve(manifest, context.projectRoot)
      if (settings === undefined || !found.ok) return yield* Effect.fail(missingExecutable(manifest, found.ok ? "no process settings" : found.detail))
      const encoded = encodeTask(context.task)
      if (Either.isLeft(encoded)) {
        return yield* Effect.fail(new SystemError({ operation: "harness.task", message: `the task of run ${context.runId} does not encode: ${String(encoded.left)}` }))
      }
      const cwd = settings.cwd === undefined ? undefined : path.resolve(context.projectRoot, settings.cwd)
      const source = environment()
      const exit = yield* runGroup({
        runId: context.runId,
        argv: [found.file, ...settings.command.slice(1)],
        cwd,
        env: (workDir) => harnessEnvironment(source, manifest.env.pass, found.file, workDir, cwd === undefined),
        input: JSON.stringify(encoded.right),
        limits: { timeoutMs: manifest.limits.timeout, memoryBytes: manifest.limits.memory, outputBytes: manifest.limits.output },
        runDir: path.join(context.vaultDir, "run"),
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
        ...(options.memoryPollMs !== undefined ? { memoryPollMs: options.memoryPollMs } : {}),
        ...(options.memberScanMs !== undefined ? { memberScanMs: options.memberScanMs } : {}),
        ...(options.stderrTailBytes !== undefined ? { stderrTailBytes: options.stderrTailBytes } : {})
      }).pipe(Effect.mapError((error) => startFailure(manifest, error)))
      const judged = judge(manifest, exit)
      yield* context.diagnose(diagnosticsOf(exit, Either.isRight(judged) ? judged.right.usage : undefined))
      return yield* judged
    })

  return { kind: "process", probe, run }
}

/** The process runtime with the product's defaults: `Runtimes` registers it under "process". */
export const ProcessRuntime: HarnessRuntime = makeProcessRuntime()
