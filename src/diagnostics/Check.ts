/**
 * What a doctor check is: its result (one line of `myco doctor`, with a hint and the command that
 * fixes it), the exit code a failure means, and the repair `--fix` may run. A check module is a
 * `Diagnosis` (it reads the vault and its files) or a `StoreDiagnosis` (it reads the vault's
 * stores, through their ports only); the runner (Doctor.ts) holds the registry of both.
 */
import { type Effect, type Either, type Layer, Schema } from "effect"
import type { ConfigError } from "../domain/Failure.js"
import type { EventStore } from "../store/EventStore.js"
import type { LossStore } from "../store/LossStore.js"
import type { Maintenance } from "../store/Maintenance.js"
import type { RefusalStore } from "../store/RefusalStore.js"
import type { RunStore } from "../store/RunStore.js"
import type { SessionStore } from "../store/SessionStore.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import type { MycoConfig } from "../vault/Config.js"
import type { ResolvedVault } from "../vault/Vault.js"

/** The outcome of one check. */
export const CheckResult = Schema.Struct({
  check: Schema.String,
  status: Schema.Literal("ok", "warn", "fail"),
  detail: Schema.String,
  hint: Schema.optional(Schema.String),
  fix: Schema.optional(Schema.String),
  /** What `--fix` did about it, when it did something. */
  fixed: Schema.optional(Schema.String)
})
export type CheckResult = typeof CheckResult.Type

/** A check, and how to repair what it finds when that is safe. */
export interface Check {
  readonly result: CheckResult
  /** Exit code when the check fails. */
  readonly exitCode?: number
  /** What `--fix` runs when the check is not ok; it succeeds with what it did, in words. */
  readonly repair?: Effect.Effect<string, unknown>
}

/** A check that passed. */
export const ok = (check: string, detail: string): Check => ({ result: { check, status: "ok", detail } })

/** The message of a failure or a thrown value, for a check's detail. */
export const errorText = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)

/** Every storage port of the vault. */
export type StoreServices = SessionStore | EventStore | RunStore | RefusalStore | LossStore | Maintenance

/** What every check may look at. */
export interface CheckContext {
  readonly vault: ResolvedVault
  /** myco.yaml as loaded: its failure is the config check's to report; the others use the defaults. */
  readonly config: Either.Either<MycoConfig, ConfigError>
  /** The results of the checks that ran before, in order. */
  readonly earlier: ReadonlyArray<Check>
  /** The vault's stores, opened without (or, for a repair, with) applying pending migrations. */
  readonly openStores: (options: { readonly migrate: boolean }) => Layer.Layer<StoreServices, StoreFailure>
}

/** A check module on the vault: one or more results (none when it has nothing to say). */
export type Diagnosis = (context: CheckContext) => Effect.Effect<ReadonlyArray<Check>>

/**
 * A check module on the vault's stores: run once the database opened and its schema is current.
 * A store failure is reported by the database check, for all of them.
 */
export type StoreDiagnosis = (context: CheckContext) => Effect.Effect<ReadonlyArray<Check>, StoreFailure, StoreServices>
