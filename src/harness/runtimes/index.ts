/**
 * The runtimes available in this process, assembled into the `Runtimes` registry. A new runtime is
 * one module in this folder and one line in `RUNTIMES`; a manifest whose runtime is not listed
 * here is shown as unavailable, with the reason.
 */
import { Effect, Layer } from "effect"
import type { HarnessRuntime } from "../Runtime.js"
import { Runtimes } from "../Runtime.js"
import type { RunTokens } from "../RunTokens.js"
import { BuiltinFunctions, builtinRuntime, layerBuiltinFunctions } from "./Builtin.js"
import { ClaudeCodeRuntime, layerClaudeCode } from "./ClaudeCode.js"
import { layer as layerLlm, LlmRuntime } from "./Llm.js"
import { ProcessRuntime } from "./Process.js"

/** The runtime kinds, each as the effect that makes it (with what it needs from the context). */
const RUNTIMES = [builtinRuntime, Effect.succeed(ProcessRuntime), LlmRuntime, ClaudeCodeRuntime] as const

type RuntimeNeeds = Effect.Effect.Context<(typeof RUNTIMES)[number]>

/** Every runtime of `RUNTIMES`, by kind. */
export const layerRuntimes: Layer.Layer<Runtimes, never, RuntimeNeeds> = Layer.effect(
  Runtimes,
  Effect.map(Effect.all(RUNTIMES), (runtimes: ReadonlyArray<HarnessRuntime>) => new Map(runtimes.map((r) => [r.kind, r])))
)

/**
 * The runtimes with myco's own built-in functions, the llm runtime on `fetch`, and the claude-code
 * runtime on the supervisor's run tokens (its tools reach the gateway through `myco mcp`).
 */
export const layerDefaultRuntimes: Layer.Layer<Runtimes | BuiltinFunctions, never, RunTokens> = layerRuntimes.pipe(
  Layer.provideMerge(layerBuiltinFunctions()),
  Layer.provide(layerLlm),
  Layer.provide(layerClaudeCode)
)
