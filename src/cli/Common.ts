/**
 * What the commands share: the --vault and --json options, and the layers that give a command
 * its vault, database and lifecycle service.
 */
import { Options } from "@effect/cli"
import { Effect, Layer, Option } from "effect"
import type { ConfigError } from "../domain/Failure.js"
import { layerDirect, SessionLifecycle } from "../session/Lifecycle.js"
import type { StoreFailure } from "../store/Failures.js"
import { EventStore, SessionStore } from "../store/SessionStore.js"
import { DatabaseSettings, layerDatabase, layerEventStore, layerSessionStore } from "../store/Sqlite.js"
import { layerVaultContext, VaultContext } from "../vault/VaultContext.js"

/** `--vault DIR`: the project directory (or its .myco/) to work on. */
export const vaultOption = Options.directory("vault").pipe(
  Options.withDescription("the project directory (or its .myco/) to use instead of the one found from the working directory"),
  Options.optional
)

/** `--json`: print data as JSON on stdout. */
export const jsonOption = Options.boolean("json").pipe(Options.withDescription("print the result as JSON"))

/** The vault the command works on, resolved from its --vault flag, the cwd and the environment. */
export const vaultLayer = (vault: Option.Option<string>): Layer.Layer<VaultContext, ConfigError> =>
  layerVaultContext(
    { flag: Option.getOrUndefined(vault), cwd: process.cwd(), env: process.env["MYCO_VAULT_DIR"] },
    process.env
  )

/** The vault database, opened with the vault's store settings. */
export const databaseLayer = (migrate: boolean) =>
  Layer.unwrapEffect(
    Effect.map(VaultContext, (vault) =>
      layerDatabase({
        filename: vault.paths.db,
        busyTimeoutMs: vault.config.store.busy_timeout_ms,
        retry: { attempts: vault.config.store.retry_attempts, baseDelayMs: vault.config.store.retry_base_delay_ms },
        migrate
      })
    )
  )

/** Everything a session command needs: vault, migrated database, stores and the lifecycle. */
export const sessionLayer = (
  vault: Option.Option<string>
): Layer.Layer<SessionLifecycle | SessionStore | EventStore | VaultContext | DatabaseSettings, ConfigError | StoreFailure> => {
  const context = vaultLayer(vault)
  const database = databaseLayer(true).pipe(Layer.provide(context))
  const stores = Layer.mergeAll(layerSessionStore, layerEventStore).pipe(Layer.provideMerge(database))
  return layerDirect.pipe(Layer.provideMerge(stores), Layer.provideMerge(context))
}
