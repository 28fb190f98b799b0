/**
 * A run: one attempt of one task on one harness, as the `runs` table records it. Every attempt is
 * a row (a transient failure retried is a new row with the next attempt number), from `queued`
 * to `running` to one of `succeeded`, `failed` or `cancelled`, with the harness it ran on, its
 * failure class and diagnostics, its limits, what it used and when.
 */
import { Schema } from "effect"

/** Where a run is. */
export const RunStatus = Schema.Literal("queued", "running", "succeeded", "failed", "cancelled")
export type RunStatus = typeof RunStatus.Type

/** The failure class of a failed run. */
export const RunFailureClass = Schema.Literal("TransientError", "ConfigError", "SystemError", "AgentError")
export type RunFailureClass = typeof RunFailureClass.Type

/** What the run observed (the harness layer's RunDiagnostics, as stored). */
export const RunDiagnosticsData = Schema.Struct({
  exitCode: Schema.optional(Schema.Number),
  signal: Schema.optional(Schema.String),
  stderrTail: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.Literal("timeout", "memory", "output", "turns", "tokens", "tool")),
  peakRssBytes: Schema.optional(Schema.Number),
  outputBytes: Schema.optional(Schema.Number),
  usage: Schema.optional(
    Schema.Struct({ turns: Schema.optional(Schema.Int), inputTokens: Schema.optional(Schema.Int), outputTokens: Schema.optional(Schema.Int) })
  ),
  refusedTools: Schema.optional(
    Schema.Array(Schema.Struct({ tool: Schema.String, argumentBytes: Schema.Number, reason: Schema.String }))
  ),
  note: Schema.optional(Schema.String)
})
export type RunDiagnosticsData = typeof RunDiagnosticsData.Type

/** The limits a run was held to. */
export const RunLimits = Schema.Struct({
  /** Wall-clock time of the run, in ms. */
  timeout: Schema.Int,
  /** Memory of the run's whole process group (RSS), in bytes; 0 for no limit (builtin, llm). */
  memory: Schema.Int,
  /** Bytes the run may write to stdout (process, claude-code) or produce as text (llm). */
  output: Schema.Int,
  /** Model turns (llm, claude-code). */
  turns: Schema.Int,
  /** Model tokens, input and output together (llm, claude-code). */
  tokens: Schema.Int
})
export type RunLimits = typeof RunLimits.Type

/** What a run used. */
export const RunUsage = Schema.Struct({
  turns: Schema.optional(Schema.Int),
  inputTokens: Schema.optional(Schema.Int),
  outputTokens: Schema.optional(Schema.Int)
})
export type RunUsage = typeof RunUsage.Type

/** A run, as stored. Times are epoch milliseconds. */
export const Run = Schema.Struct({
  id: Schema.String,
  sessionId: Schema.String,
  /** The task's name (`try` for an ad-hoc run). */
  task: Schema.String,
  /** The capability it asked for. */
  capability: Schema.String,
  /** The harness it ran on; null while it is queued and no harness was named. */
  harness: Schema.NullOr(Schema.String),
  status: RunStatus,
  attempt: Schema.Int,
  /** Higher runs first; FIFO within a priority. */
  priority: Schema.Int,
  queuedAt: Schema.Number,
  startedAt: Schema.NullOr(Schema.Number),
  endedAt: Schema.NullOr(Schema.Number),
  failureClass: Schema.NullOr(RunFailureClass),
  /** The failure, in words. */
  failure: Schema.NullOr(Schema.String),
  diagnostics: RunDiagnosticsData,
  limits: Schema.NullOr(RunLimits),
  usage: Schema.NullOr(RunUsage),
  /** The output of a succeeded run. */
  result: Schema.Unknown
})
export type Run = typeof Run.Type

/** No run with this id in the vault. */
export class RunNotFound extends Schema.TaggedError<RunNotFound>()("RunNotFound", { runId: Schema.String }) {
  override get message(): string {
    return `no run ${this.runId} in this vault (list them with \`myco runs list\`)`
  }
}

/** How a run ended. */
export interface RunEnd {
  readonly status: "succeeded" | "failed" | "cancelled"
  readonly endedAt: number
  readonly failureClass: RunFailureClass | null
  readonly failure: string | null
  readonly diagnostics: RunDiagnosticsData
  readonly usage: RunUsage | null
  readonly result: unknown
}
