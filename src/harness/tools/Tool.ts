/**
 * How a gateway tool is declared: once, with its Schema'd input and output and whether it writes.
 * The declaration is all the gateway needs: it offers the tool by its JSON Schema, decodes the
 * arguments with the input Schema before anything runs, checks `writes` against the manifest's
 * `read_only`, and encodes the answer with the output Schema. The tools themselves never see
 * undecoded arguments, and never decide whether they may run.
 */
import { Context, Effect, JSONSchema, ParseResult, Schema, type Option, type Ref } from "effect"
import type { SessionId } from "../../domain/Ids.js"
import type { EventStore } from "../../store/EventStore.js"
import type { SessionStore } from "../../store/SessionStore.js"
import { ToolFailed, ToolRefused } from "../Gateway.js"

/** Where the project is and what of it the gateway withholds (the vault's capture settings). */
export interface GatewaySettingsShape {
  /** The project root: `read_file` never reads outside it. */
  readonly projectRoot: string
  /** The vault directory (`<project>/.myco`): never readable through `read_file`. */
  readonly vaultDir: string
  /** The vault's exclusion globs (myco.yaml `capture.exclude_paths`), for sessions that carry none. */
  readonly excludePaths: ReadonlyArray<string>
  /** The largest file `read_file` returns, in bytes (a larger one is cut, and says so). */
  readonly maxFileBytes: number
}

/** The gateway's settings, provided once per process. */
export class GatewaySettings extends Context.Tag("myco/harness/GatewaySettings")<GatewaySettings, GatewaySettingsShape>() {}

/** What a tool may use: the stores and the gateway's settings. */
export type ToolServices = EventStore | SessionStore | GatewaySettings

/** What one call of a tool knows about its run. */
export interface ToolCallContext {
  readonly runId: string
  /** The session the run is about. */
  readonly sessionId: SessionId
  /** Where `write_result` puts the run's result. */
  readonly result: Ref.Ref<Option.Option<unknown>>
}

/** A declared tool, its types erased: what the registry and the gateway hold. */
export interface GatewayTool {
  readonly name: string
  readonly description: string
  readonly writes: boolean
  /** The input's JSON Schema (what models and MCP clients are shown). */
  readonly inputJsonSchema: JSONSchema.JsonSchema7Root
  /** The output's JSON Schema. */
  readonly outputJsonSchema: JSONSchema.JsonSchema7Root
  /** Decodes the arguments: a failure says, in words, what was wrong with them. */
  readonly decode: (args: unknown) => Effect.Effect<unknown, string>
  /** Runs a decoded call and encodes its answer. */
  readonly run: (input: unknown, context: ToolCallContext) => Effect.Effect<unknown, ToolRefused | ToolFailed, ToolServices>
}

/** The parse error, in one bounded paragraph a model can read. */
const describeParseError = (error: ParseResult.ParseError): string => {
  const text = ParseResult.TreeFormatter.formatErrorSync(error)
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text
}

/**
 * Declares a tool. `run` gets the decoded input, typed; what it returns is encoded with `output`
 * (an output that does not encode is the tool's bug: a ToolFailed, never a crash).
 */
export const defineTool = <I, IE, O, OE>(declaration: {
  readonly name: string
  readonly description: string
  readonly writes: boolean
  readonly input: Schema.Schema<I, IE>
  readonly output: Schema.Schema<O, OE>
  readonly run: (input: I, context: ToolCallContext) => Effect.Effect<O, ToolRefused | ToolFailed, ToolServices>
}): GatewayTool => {
  const decodeInput = Schema.decodeUnknown(declaration.input, { onExcessProperty: "error", errors: "all" })
  const encodeOutput = Schema.encode(declaration.output)
  // The marker names the decoded input as the declaration's own: only values it decoded reach `run`.
  const decoded = new WeakSet<object>()
  const box = (value: I): { readonly value: I } => {
    const boxed = { value }
    decoded.add(boxed)
    return boxed
  }
  const isBox = (u: unknown): u is { readonly value: I } => typeof u === "object" && u !== null && decoded.has(u)
  return {
    name: declaration.name,
    description: declaration.description,
    writes: declaration.writes,
    inputJsonSchema: JSONSchema.make(declaration.input),
    outputJsonSchema: JSONSchema.make(declaration.output),
    decode: (args) => decodeInput(args).pipe(Effect.mapBoth({ onFailure: describeParseError, onSuccess: box })),
    run: (input, context) =>
      isBox(input)
        ? declaration.run(input.value, context).pipe(
            Effect.flatMap((output) =>
              Effect.mapError(encodeOutput(output), (error) => new ToolFailed({ tool: declaration.name, message: `its answer does not encode: ${describeParseError(error)}` }))
            )
          )
        : Effect.fail(new ToolRefused({ tool: declaration.name, reason: "arguments were not decoded by the gateway", argumentBytes: 0 }))
  }
}
