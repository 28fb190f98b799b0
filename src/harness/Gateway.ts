/**
 * The tool gateway port: every tool a harness may call is declared once (its Schema'd input and
 * output, whether it writes) and every call is checked in code, against the run's manifest
 * (`tools.allow`, `tools.read_only`), before it runs. A refused call fails with `ToolRefused`,
 * recorded on the run (tool, arguments' size, why), and the harness gets an error it can read; it
 * is never run. The llm runtime offers the allowed tools to the model as a Toolkit; the process
 * and claude-code runtimes reach them through `myco mcp --run <id>` (an MCP server over stdio,
 * scoped to the run by a token the supervisor issues and revokes when the run ends).
 *
 * The tools (tools/ has one module each, listed in `GATEWAY_TOOLS`): `events` (the session's
 * events, paged), `sessions` (find sessions by text), `read_file` (a project file, inside the
 * root, under the capture boundary), `write_result` (the run's result: the only write).
 */
import { Schema, type Effect } from "effect"

/** A tool as the gateway describes it to harnesses. */
export interface ToolDescription {
  readonly name: string
  readonly description: string
  /** Its input, as JSON Schema (for models and MCP clients). */
  readonly inputSchema: unknown
  readonly writes: boolean
}

/** A call the gateway refused: not allowed, a write under `read_only`, or arguments that do not decode. */
export class ToolRefused extends Schema.TaggedError<ToolRefused>()("ToolRefused", {
  tool: Schema.String,
  reason: Schema.String,
  argumentBytes: Schema.Int
}) {}

/** A call that was allowed but failed while running (the session is gone, the file unreadable). */
export class ToolFailed extends Schema.TaggedError<ToolFailed>()("ToolFailed", {
  tool: Schema.String,
  message: Schema.String
}) {}

/** A call the gateway refused, as the run's diagnostics list it (Runtime.ts `refusedTools`). */
export interface RefusedCall {
  readonly tool: string
  readonly argumentBytes: number
  readonly reason: string
}

/** The gateway as one run sees it. */
export interface RunGateway {
  readonly runId: string
  /** The tools this run may call (after `allow` and `read_only`). */
  readonly tools: ReadonlyArray<ToolDescription>
  /** Calls a tool with JSON arguments; the answer is the tool's encoded (JSON) output. */
  readonly call: (tool: string, args: unknown) => Effect.Effect<unknown, ToolRefused | ToolFailed>
  /** What `write_result` stored, if the harness wrote its result through the gateway. */
  readonly writtenResult: Effect.Effect<unknown | undefined>
  /** The calls refused so far, oldest first (for the run's diagnostics); absent on gateways that do not keep them. */
  readonly refused?: Effect.Effect<ReadonlyArray<RefusedCall>>
}
