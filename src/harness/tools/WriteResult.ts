/**
 * `write_result`: the run's result, the only tool that writes. It keeps the output for the run
 * (the runtime reads it when the harness ends); it touches nothing else. A later call replaces an
 * earlier one. Its size is bounded by the gateway's argument limit.
 */
import { Effect, Option, Ref, Schema } from "effect"
import { defineTool } from "./Tool.js"

const Input = Schema.Struct({
  /** The output, as the task's output JSON Schema describes it. */
  output: Schema.Unknown
})

const Output = Schema.Struct({ written: Schema.Boolean })

export const writeResultTool = defineTool({
  name: "write_result",
  description: "Writes the run's result: `output` must follow the task's output JSON Schema. A later call replaces an earlier one.",
  writes: true,
  input: Input,
  output: Output,
  run: (input, context) => Effect.as(Ref.set(context.result, Option.some(input.output)), { written: true })
})
