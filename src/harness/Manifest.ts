/**
 * A harness manifest: one runtime that can serve intelligence tasks, with its limits, the tools it
 * may call and how its failures are contained. Harnesses are declared in
 * `<project>/.agents/harnesses/*.yaml` (committed with the project) and built in (`builtin`, the
 * default that needs no model). This module is the manifest's Schema (the decoded, defaulted
 * shape every runtime reads); loading and error reporting live in Manifests.ts.
 *
 * Durations and sizes use myco.yaml's notation (`30s`, `15m`; `512MiB`, `64KiB`).
 */
import { Schema } from "effect"
import { RunLimits } from "../domain/Run.js"

/** The runtimes a harness can run on. */
export const RuntimeKind = Schema.Literal("builtin", "process", "llm", "claude-code")
export type RuntimeKind = typeof RuntimeKind.Type

/** Model providers of the llm runtime. */
export const LlmProvider = Schema.Literal("anthropic", "openai", "ollama", "lmstudio", "openai-compatible")
export type LlmProvider = typeof LlmProvider.Type

/**
 * Hard limits of one run (timeout and memory, output, turns, tokens). Every value is enforced in
 * code, never asked of the model; the same shape is recorded with each run (domain/Run.ts).
 */
export const Limits = RunLimits
export type Limits = typeof Limits.Type

/** Which gateway tools the harness may call (names from Gateway.ts), and whether any may write. */
export const ToolPolicy = Schema.Struct({
  allow: Schema.Array(Schema.String),
  /** When true, tools that write are refused even if allowed. */
  read_only: Schema.Boolean
})
export type ToolPolicy = typeof ToolPolicy.Type

/** The circuit breaker: opens after `failures` consecutive AgentErrors, half-opens after `cooldown` ms. */
export const Circuit = Schema.Struct({ failures: Schema.Int, cooldown: Schema.Int })
export type Circuit = typeof Circuit.Type

/** The environment a harness process receives: only the variables named (API keys included). */
export const EnvPolicy = Schema.Struct({ pass: Schema.Array(Schema.String) })
export type EnvPolicy = typeof EnvPolicy.Type

export const ProcessSettings = Schema.Struct({
  /** argv: the executable and its arguments. */
  command: Schema.NonEmptyArray(Schema.String),
  /** The working directory; absent for a fresh temporary directory removed after the run. */
  cwd: Schema.optional(Schema.String)
})
export type ProcessSettings = typeof ProcessSettings.Type

export const LlmSettings = Schema.Struct({
  provider: LlmProvider,
  model: Schema.String,
  base_url: Schema.optional(Schema.String),
  /** The environment variable holding the API key (none for local providers). */
  api_key_env: Schema.optional(Schema.String)
})
export type LlmSettings = typeof LlmSettings.Type

export const ClaudeCodeSettings = Schema.Struct({
  /** The `claude` executable (a name looked up on PATH, or a path). */
  binary: Schema.String,
  model: Schema.optional(Schema.String),
  base_url: Schema.optional(Schema.String)
})
export type ClaudeCodeSettings = typeof ClaudeCodeSettings.Type

/** A harness, as every part of myco reads it (defaults applied). */
export const HarnessManifest = Schema.Struct({
  name: Schema.String,
  runtime: RuntimeKind,
  /** The task kinds (capabilities) it can serve, e.g. `title-summary`, `extract`, `digest`. */
  capabilities: Schema.Array(Schema.String),
  /** How many runs it may have at once. */
  concurrency: Schema.Int,
  limits: Limits,
  tools: ToolPolicy,
  circuit: Circuit,
  env: EnvPolicy,
  process: Schema.optional(ProcessSettings),
  llm: Schema.optional(LlmSettings),
  "claude-code": Schema.optional(ClaudeCodeSettings),
  /** Where it was declared: the manifest file, or `builtin`. */
  source: Schema.String
})
export type HarnessManifest = typeof HarnessManifest.Type
