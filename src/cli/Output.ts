/**
 * The CLI's output layer: the only place that writes to stdout and stderr. Data goes to stdout
 * (human text, or one JSON document with --json); diagnostics go to stderr.
 *
 * @effect/cli prints its help, usage errors and wizard through Effect's `Console`, always rendered
 * with ANSI colours (@effect/printer-ansi's "pretty" style has no plain mode). So the CLI runs with
 * {@link plainWhereNeeded}: the escapes are taken out of whatever goes to a stream that is not a
 * terminal, or to any stream when NO_COLOR is set (https://no-color.org).
 */
import { type Console, Context, Effect, Layer } from "effect"
import { jsonDocumentText } from "../lean/Documents.js"

/** Where command output goes. */
export class Output extends Context.Tag("myco/Output")<
  Output,
  {
    /** One line of human-readable output. */
    readonly line: (text: string) => Effect.Effect<void>
    /** One JSON document (already encoded by its Schema). */
    readonly json: (value: unknown) => Effect.Effect<void>
    /** One line of diagnostics. */
    readonly error: (text: string) => Effect.Effect<void>
    /** The process's exit code once the command ends (a command that fails sets its own). */
    readonly exitWith: (code: number) => Effect.Effect<void>
  }
>() {}

/** Output to the process's stdout and stderr. */
export const layerProcessOutput: Layer.Layer<Output> = Layer.succeed(
  Output,
  Output.of({
    line: (text) => Effect.sync(() => void process.stdout.write(`${text}\n`)),
    json: (value) => Effect.sync(() => void process.stdout.write(jsonDocumentText(value))),
    error: (text) => Effect.sync(() => void process.stderr.write(`${text}\n`)),
    exitWith: (code) =>
      Effect.sync(() => {
        process.exitCode = code
      })
  })
)

/** Whether a stream may get colours: a terminal, with NO_COLOR unset or empty. */
export const colourAllowed = (stream: { readonly isTTY?: boolean | undefined }, env: NodeJS.ProcessEnv = process.env): boolean =>
  stream.isTTY === true && (env["NO_COLOR"] ?? "") === ""

/** ANSI escape sequences: CSI (colours, cursor moves), OSC (links, titles) and the two-byte ones. */
const ANSI_ESCAPE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g

/** `text` without ANSI escape sequences. */
export const stripAnsi = (text: string): string => text.replace(ANSI_ESCAPE, "")

const plainArgs = (args: ReadonlyArray<unknown>): ReadonlyArray<unknown> => args.map((a) => (typeof a === "string" ? stripAnsi(a) : a))

/**
 * `base` with ANSI escapes taken out of what it writes to stdout (log, info, debug) unless stdout
 * may get colours, and out of what it writes to stderr (error, warn, trace) unless stderr may.
 */
export const plainWhereNeeded = (base: Console.Console, env: NodeJS.ProcessEnv = process.env): Console.Console => {
  const out = colourAllowed(process.stdout, env) ? (args: ReadonlyArray<unknown>) => args : plainArgs
  const err = colourAllowed(process.stderr, env) ? (args: ReadonlyArray<unknown>) => args : plainArgs
  return {
    ...base,
    log: (...args: ReadonlyArray<unknown>) => base.log(...out(args)),
    info: (...args: ReadonlyArray<unknown>) => base.info(...out(args)),
    debug: (...args: ReadonlyArray<unknown>) => base.debug(...out(args)),
    error: (...args: ReadonlyArray<unknown>) => base.error(...err(args)),
    warn: (...args: ReadonlyArray<unknown>) => base.warn(...err(args)),
    trace: (...args: ReadonlyArray<unknown>) => base.trace(...err(args)),
    unsafe: {
      ...base.unsafe,
      log: (...args: ReadonlyArray<unknown>) => base.unsafe.log(...out(args)),
      info: (...args: ReadonlyArray<unknown>) => base.unsafe.info(...out(args)),
      debug: (...args: ReadonlyArray<unknown>) => base.unsafe.debug(...out(args)),
      error: (...args: ReadonlyArray<unknown>) => base.unsafe.error(...err(args)),
      warn: (...args: ReadonlyArray<unknown>) => base.unsafe.warn(...err(args)),
      trace: (...args: ReadonlyArray<unknown>) => base.unsafe.trace(...err(args))
    }
  }
}

/** Pads columns for a plain-text table. */
export { table } from "../lean/Render.js"
