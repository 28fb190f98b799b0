/**
 * The builtin runtime: a harness whose work is a function inside myco (the default extractors of
 * the built-in tasks). The functions are looked up by capability in a registry (`BuiltinFunctions`)
 * so that tasks can add theirs without touching the runtime. Being in-process does not exempt a
 * run from its limits: it is interrupted at its timeout (functions are Effects, so interruption
 * reaches them at their next step) and its output is measured against the output limit.
 */
import { Context, Duration, Effect, Layer } from "effect"
import { AgentError, ConfigError } from "../../domain/Failure.js"
import type { HarnessRuntime, RunContext, RunFailure, RunOutcome } from "../Runtime.js"
import type { TaskDocument } from "../Task.js"
import { titleSummary } from "../builtin/TitleSummary.js"

/** An in-process function that serves one capability. */
export type BuiltinFunction = (task: TaskDocument, context: RunContext) => Effect.Effect<RunOutcome, RunFailure>

/** The in-process functions, by capability. */
export class BuiltinFunctions extends Context.Tag("myco/harness/BuiltinFunctions")<BuiltinFunctions, ReadonlyMap<string, BuiltinFunction>>() {}

/** The functions myco ships, by capability. A new one is one module and one line here. */
export const DEFAULT_BUILTIN_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map<string, BuiltinFunction>([
  ["title-summary", titleSummary]
])

/** The registry with `functions`. */
export const layerBuiltinFunctions = (functions: ReadonlyMap<string, BuiltinFunction> = DEFAULT_BUILTIN_FUNCTIONS): Layer.Layer<BuiltinFunctions> =>
  Layer.succeed(BuiltinFunctions, functions)

const outputBytes = (output: unknown): number => Buffer.byteLength(JSON.stringify(output) ?? "", "utf8")

/** The builtin runtime over a registry of functions. */
export const makeBuiltinRuntime = (functions: ReadonlyMap<string, BuiltinFunction>): HarnessRuntime => ({
  kind: "builtin",
  probe: (manifest) =>
    Effect.sync(() => {
      const served = manifest.capabilities.filter((c) => functions.has(c))
      const missing = manifest.capabilities.filter((c) => !functions.has(c))
      return served.length === 0
        ? { ok: false, detail: `no built-in function serves ${manifest.capabilities.join(", ")} (built in: ${[...functions.keys()].join(", ") || "none"})` }
        : {
            ok: true,
            detail: `in-process functions for ${served.join(", ")}${missing.length > 0 ? `; ${missing.join(", ")} not built in yet` : ""}`
          }
    }),
  run: (context) =>
    Effect.gen(function* () {
      const { manifest, task } = context
      const fn = functions.get(task.task.capability)
      if (fn === undefined) {
        return yield* new ConfigError({
          message: `the ${manifest.name} harness has no built-in function for ${task.task.capability}`,
          hint: `give ${task.task.capability} to a harness that serves it, or remove it from ${manifest.name}'s capabilities`,
          fix: `myco harness check ${manifest.name}`,
          path: manifest.source
        })
      }
      const timeout = manifest.limits.timeout
      const outcome = yield* (timeout > 0
        ? fn(task, context).pipe(
            Effect.timeoutFail({
              duration: Duration.millis(timeout),
              onTimeout: () =>
                new AgentError({ actor: `harness/${manifest.name}`, message: `timed out after ${timeout} ms`, limit: "timeout" })
            })
          )
        : fn(task, context)
      ).pipe(
        Effect.tapError((e) => (e._tag === "AgentError" && e.limit === "timeout" ? context.diagnose({ limit: "timeout" }) : Effect.void))
      )
      const bytes = outputBytes(outcome.output)
      yield* context.diagnose({ outputBytes: bytes, usage: outcome.usage })
      if (bytes > manifest.limits.output) {
        yield* context.diagnose({ limit: "output" })
        return yield* new AgentError({
          actor: `harness/${manifest.name}`,
          message: `its output is ${bytes} bytes, over the limit of ${manifest.limits.output}`,
          limit: "output"
        })
      }
      return outcome
    })
})

/** The builtin runtime, over the registered functions. */
export const builtinRuntime: Effect.Effect<HarnessRuntime, never, BuiltinFunctions> = Effect.map(BuiltinFunctions, makeBuiltinRuntime)
