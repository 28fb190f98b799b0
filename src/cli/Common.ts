/**
 * What the commands share: the --vault and --json options, and the layers that give a command
 * its vault, database and lifecycle service.
 */
import { Options } from "@effect/cli"
import { Effect, Layer, Option } from "effect"
import { connectIfRunning } from "../protocol/Client.js"
import { ConfigError } from "../domain/Failure.js"
import { layerDirect, type SessionLifecycle } from "../session/Lifecycle.js"
import { layerRemote } from "../session/Remote.js"
import { layerWatchHub } from "../session/WatchHub.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import { layerDatabase } from "../store/sqlite/Database.js"
import { layerSessionStore } from "../store/sqlite/SessionStore.js"
import { refuseRecordedDamage } from "../vault/DamageRecord.js"
import { readDaemonInfo } from "../vault/RunFiles.js"
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

/** The vault database, opened with the vault's store settings (refused while it is recorded damaged). */
export const databaseLayer = (migrate: boolean) =>
  Layer.unwrapEffect(
    Effect.flatMap(VaultContext, (vault) =>
      // Checked before the file is opened: opening would make a deleted one afresh.
      Effect.as(
        refuseRecordedDamage(vault.paths),
        layerDatabase({
          filename: vault.paths.db,
          busyTimeoutMs: vault.config.store.busy_timeout_ms,
          retry: { attempts: vault.config.store.retry_attempts, baseDelayMs: vault.config.store.retry_base_delay_ms },
          migrate
        })
      )
    )
  )

/** The lifecycle on the vault's database directly. */
const directLifecycle: Layer.Layer<SessionLifecycle, ConfigError | StoreFailure, VaultContext> = layerDirect.pipe(
  // Nobody watches a command's own hub: what it commits is published to no one, at no cost.
  Layer.provide(layerWatchHub),
  Layer.provide(layerSessionStore),
  Layer.provide(databaseLayer(true))
)

/** How long a command waits for a running supervisor to answer before working directly. */
const SUPERVISOR_CONNECT_MS = 2000

/**
 * The session lifecycle a command should use: through the supervisor when one runs (so its
 * actors and watchers see every change), else on the vault directly.
 */
export const sessionLayer = (vault: Option.Option<string>): Layer.Layer<SessionLifecycle | VaultContext, ConfigError | StoreFailure> => {
  const lifecycle = Layer.unwrapScoped(
    Effect.gen(function* () {
      const { paths } = yield* VaultContext
      const info = readDaemonInfo(paths)
      if (info === undefined) return directLifecycle
      const client = yield* connectIfRunning(info.socket, { client: "myco-cli", timeoutMs: SUPERVISOR_CONNECT_MS }).pipe(
        Effect.catchAll((e) =>
          Effect.fail(
            new ConfigError({
              message: `the running supervisor (pid ${info.pid}) cannot serve this myco: ${e.message}`,
              hint: "restart it with this version of myco",
              fix: "myco stop && myco run"
            })
          )
        )
      )
      return Option.match(client, { onNone: () => directLifecycle, onSome: layerRemote })
    })
  )
  return lifecycle.pipe(Layer.provideMerge(vaultLayer(vault)))
}
