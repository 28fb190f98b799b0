/**
 * The documents a harness is given and answers with. `myco.task/v1` is what a run asks (the task,
 * the session it is about, the instructions for model-driven runtimes, the JSON Schema its output
 * must follow); `myco.result/v1` is the answer (the output and what it cost). A process harness
 * reads the task as one JSON document on stdin and writes the result as one JSON document on
 * stdout; the other runtimes get the same task in their own way. Both are versioned Schemas: an
 * answer that does not decode is an AgentError, never a crash.
 */
import { Schema } from "effect"
import { RunUsage } from "../domain/Run.js"

/** What a run reports it used (the same shape is recorded with each run: domain/Run.ts). */
export const Usage = RunUsage
export type Usage = typeof Usage.Type

/** The session a task is about, as the harness sees it. */
export const TaskSession = Schema.Struct({
  id: Schema.String,
  agent: Schema.String,
  status: Schema.String,
  title: Schema.optional(Schema.String),
  cwd: Schema.optional(Schema.String),
  startedAt: Schema.optional(Schema.String),
  endedAt: Schema.optional(Schema.String),
  eventCount: Schema.Int
})
export type TaskSession = typeof TaskSession.Type

/** A task document: `myco.task/v1`. */
export const TaskDocument = Schema.Struct({
  schema: Schema.Literal("myco.task/v1"),
  runId: Schema.String,
  task: Schema.Struct({
    name: Schema.String,
    capability: Schema.String,
    /** For model-driven runtimes: what to do, in words. */
    instructions: Schema.String,
    /** The JSON Schema the output must follow. */
    outputSchema: Schema.Unknown
  }),
  session: TaskSession,
  /**
   * The session's events: inline (the first page, already through the capture boundary) and, when
   * there are more, how to read the rest (the `events` tool of the gateway).
   */
  events: Schema.Struct({
    inline: Schema.Array(Schema.Unknown),
    total: Schema.Int,
    more: Schema.Boolean
  }),
  /** The gateway's tools this run may call, and how to reach them (an MCP server command). */
  tools: Schema.Struct({
    allowed: Schema.Array(Schema.String),
    mcp: Schema.optional(Schema.Struct({ command: Schema.Array(Schema.String) }))
  }),
  limits: Schema.Struct({ timeoutMs: Schema.Int, turns: Schema.Int, tokens: Schema.Int, outputBytes: Schema.Int })
})
export type TaskDocument = typeof TaskDocument.Type

/** A result document: `myco.result/v1`. */
export const ResultDocument = Schema.Struct({
  schema: Schema.Literal("myco.result/v1"),
  output: Schema.Unknown,
  usage: Schema.optional(Usage)
})
export type ResultDocument = typeof ResultDocument.Type
