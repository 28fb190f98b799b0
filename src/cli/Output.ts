/**
 * The CLI's output layer: the only place that writes to stdout and stderr. Data goes to stdout
 * (human text, or one JSON document with --json); diagnostics go to stderr.
 */
import { Context, Effect, Layer } from "effect"

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
    json: (value) => Effect.sync(() => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)),
    error: (text) => Effect.sync(() => void process.stderr.write(`${text}\n`)),
    exitWith: (code) =>
      Effect.sync(() => {
        process.exitCode = code
      })
  })
)

/** Pads columns for a plain-text table. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<string> => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const render = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [render(header), ...rows.map(render)]
}
