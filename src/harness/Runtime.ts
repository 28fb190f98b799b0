/**
 * The runtime port: how one run of a task is carried out on one kind of runtime. There is one
 * implementation per runtime kind (runtimes/Builtin.ts, runtimes/Process.ts, runtimes/Llm.ts,
 * runtimes/ClaudeCode.ts), each provided by its own Layer and registered in `Runtimes`; the
 * harness actor picks the one its manifest names. A new runtime is one module plus one line in
 * the registry.
 *
 * A runtime enforces the manifest's limits itself, in code (a timeout interrupts, a process group
 * over its memory is killed), cleans up everything it started whatever the outcome (the run is
 * interruptible, and interruption kills), and fails with one of the four failure classes:
 * AgentError for anything the harness did wrong (crash, timeout, limit, invalid result, forbidden
 * tool), TransientError for what may pass (connection refused, 429, 5xx), ConfigError for a setup
 * problem (binary or model missing, no API key), SystemError for the machine (disk full).
 * Whatever happened, what it observed goes to `RunContext.diagnose`, so that the run's record says
 * why it failed (exit code, signal, stderr tail, the limit hit, turns and tokens used).
 */
import { Context, type Effect } from "effect"
import type { AgentError, ConfigError, SystemError, TransientError } from "../domain/Failure.js"
import type { RunGateway } from "./Gateway.js"
import type { HarnessManifest, RuntimeKind } from "./Manifest.js"
import type { TaskDocument, Usage } from "./Task.js"

/** What a run observed, recorded with the run whatever its outcome. Every field is optional. */
export interface RunDiagnostics {
  readonly exitCode?: number
  readonly signal?: string
  /** The last few KiB of the harness's stderr. */
  readonly stderrTail?: string
  /** The limit that stopped the run. */
  readonly limit?: "timeout" | "memory" | "output" | "turns" | "tokens" | "tool"
  /** Peak memory of the run's process group, in bytes, when measured. */
  readonly peakRssBytes?: number
  readonly outputBytes?: number
  readonly usage?: Usage
  /** Tool calls refused by the gateway: the tool, the size of its arguments, why. */
  readonly refusedTools?: ReadonlyArray<{ readonly tool: string; readonly argumentBytes: number; readonly reason: string }>
  /** Anything else worth keeping, in words. */
  readonly note?: string
}

/** Everything a runtime needs for one run. */
export interface RunContext {
  readonly runId: string
  readonly manifest: HarnessManifest
  readonly task: TaskDocument
  /** The gateway, scoped to this run: only the tools the manifest allows, checked in code. */
  readonly gateway: RunGateway
  /** The project root (the runtime never reads outside it but through the gateway). */
  readonly projectRoot: string
  /** The vault directory (`<project>/.myco`). */
  readonly vaultDir: string
  /** Records what the run observed (merged into the run's diagnostics). */
  readonly diagnose: (diagnostics: RunDiagnostics) => Effect.Effect<void>
}

/** What a successful run produced: the output (decoded against the task's schema by the caller) and its usage. */
export interface RunOutcome {
  readonly output: unknown
  readonly usage: Usage
}

/** The outcome of probing a harness without running a task (binary present, endpoint answering). */
export interface ProbeResult {
  readonly ok: boolean
  /** What was checked and what was found, in words. */
  readonly detail: string
}

export type RunFailure = AgentError | TransientError | ConfigError | SystemError

/** One runtime kind. */
export interface HarnessRuntime {
  readonly kind: RuntimeKind
  /** Checks that the harness can run (binary on PATH, endpoint answering, key present). */
  readonly probe: (manifest: HarnessManifest) => Effect.Effect<ProbeResult>
  /** Runs one task; interruptible, and leaves nothing running behind whatever happens. */
  readonly run: (context: RunContext) => Effect.Effect<RunOutcome, RunFailure>
}

/** Every runtime kind available in this process, by kind. */
export class Runtimes extends Context.Tag("myco/harness/Runtimes")<Runtimes, ReadonlyMap<RuntimeKind, HarnessRuntime>>() {}
