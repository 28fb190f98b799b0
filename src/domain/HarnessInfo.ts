/**
 * A harness as `myco harness list`, `myco status` and the protocol show it: what it is, whether it
 * can take runs (ok, invalid manifest, runtime unavailable, circuit open), its circuit and what it
 * is running.
 */
import { Schema } from "effect"

/** Whether a harness can take runs. */
export const HarnessState = Schema.Literal("ok", "invalid", "unavailable", "circuit open")
export type HarnessState = typeof HarnessState.Type

export const HarnessInfo = Schema.Struct({
  name: Schema.String,
  /** The runtime kind; empty when the manifest is too broken to say. */
  runtime: Schema.String,
  capabilities: Schema.Array(Schema.String),
  /** The manifest file, or `builtin`. */
  source: Schema.String,
  status: HarnessState,
  /** Why, in words (the probe's detail, the reason it is unavailable, the circuit). */
  detail: Schema.String,
  circuit: Schema.Literal("closed", "open", "half-open"),
  concurrency: Schema.Int,
  /** The ids of its running runs. */
  running: Schema.Array(Schema.String),
  /** The problems of an invalid manifest, one line each. */
  problems: Schema.Array(Schema.String)
})
export type HarnessInfo = typeof HarnessInfo.Type
