/**
 * Everything a command knows about the vault it works on: its paths, its validated config and the
 * identities sessions are stamped with. Built once per process.
 */
import * as fs from "node:fs"
import { Context, Effect, Layer } from "effect"
import { BUILD_ID } from "../lean/Build.js"
import { rememberValidConfig } from "../lean/ConfigCache.js"
import { ConfigError } from "../domain/Failure.js"
import type { CaptureBoundary } from "../domain/Session.js"
import type { MachineId, ProjectId } from "../domain/Ids.js"
import { decodeConfig, type MycoConfig } from "./Config.js"
import { machineId, projectId } from "./Identity.js"
import { resolveVault, type ResolvedBy, type ResolveInput, type VaultPaths } from "./Vault.js"

/** The vault a command works on. */
export class VaultContext extends Context.Tag("myco/VaultContext")<
  VaultContext,
  {
    readonly paths: VaultPaths
    readonly resolvedBy: ResolvedBy
    readonly config: MycoConfig
    readonly projectId: ProjectId
    readonly machineId: MachineId
  }
>() {}

/** The text of the vault's myco.yaml; a missing file reads as empty (all defaults). */
const readConfigText = (paths: VaultPaths): Effect.Effect<string, ConfigError> =>
  Effect.try({
    try: () => (fs.existsSync(paths.config) ? fs.readFileSync(paths.config, "utf8") : ""),
    catch: (cause) =>
      new ConfigError({
        message: `cannot read ${paths.config}: ${cause instanceof Error ? cause.message : String(cause)}`,
        hint: "check the file's permissions",
        fix: "myco doctor",
        path: paths.config
      })
  })

/**
 * Reads and validates the vault's myco.yaml; a missing file means all defaults. With `remember`,
 * a valid text is recorded for the read path (see {@link rememberValid}).
 */
export const loadConfig = (paths: VaultPaths, remember?: { readonly env: NodeJS.ProcessEnv }): Effect.Effect<MycoConfig, ConfigError> =>
  Effect.gen(function* () {
    const text = yield* readConfigText(paths)
    const config = yield* decodeConfig(text, paths.config)
    if (remember !== undefined) yield* rememberValid(text, config, remember.env)
    return config
  })

/**
 * Tells the read path (lean/ConfigCache.ts) that this build found this myco.yaml text valid. Only
 * bundled builds have an id; a cache that cannot be written only makes read commands slower.
 */
const rememberValid = (text: string, config: MycoConfig, env: NodeJS.ProcessEnv): Effect.Effect<void> => {
  const build = BUILD_ID
  if (build === undefined) return Effect.void
  return Effect.try(() => rememberValidConfig(env, build, text, { busyTimeoutMs: config.store.busy_timeout_ms })).pipe(
    Effect.catchAll((cause) => Effect.logDebug("cannot remember the valid myco.yaml for the read path", cause))
  )
}

/** Resolves the vault and loads its config and identities. */
export const layerVaultContext = (
  input: ResolveInput,
  env: NodeJS.ProcessEnv
): Layer.Layer<VaultContext, ConfigError> =>
  Layer.effect(
    VaultContext,
    Effect.gen(function* () {
      const resolved = yield* resolveVault(input)
      const config = yield* loadConfig(resolved.paths, { env })
      const project = yield* projectId(resolved.paths)
      const machine = yield* machineId(env)
      return { paths: resolved.paths, resolvedBy: resolved.by, config, projectId: project, machineId: machine }
    })
  )

/** The capture boundary myco.yaml gives new sessions (and events that name no session). */
export const configuredBoundary = (paths: VaultPaths, config: MycoConfig): CaptureBoundary => ({
  root: paths.root,
  outsideScope: config.capture.outside_scope,
  excludePaths: config.capture.exclude_paths,
  redactSecrets: config.capture.redact_secrets,
  maxFieldBytes: config.capture.max_field_bytes,
  maxEventBytes: config.capture.max_event_bytes
})
