/**
 * `myco doctor`'s runner: resolves the vault, loads its config, runs every check of the registry
 * in order and, for `--fix`, the repairs of what they found. The checks are modules of checks/,
 * one per concern; adding one is a module and a line below. Rendering is the CLI's
 * (cli/DoctorCommand.ts).
 */
import { Effect, Either, Exit, type Option } from "effect"
import { layerStores } from "../store/sqlite/index.js"
import { defaultConfig } from "../vault/Config.js"
import { loadConfig } from "../vault/VaultContext.js"
import { type Check, type CheckContext, type Diagnosis, errorText, type StoreDiagnosis } from "./Check.js"
import { config } from "./checks/Config.js"
import { database } from "./checks/Database.js"
import { directories } from "./checks/Directories.js"
import { harnesses } from "./checks/Harnesses.js"
import { hooks } from "./checks/Hooks.js"
import { lineage } from "./checks/Lineage.js"
import { losses } from "./checks/Losses.js"
import { permissions } from "./checks/Permissions.js"
import { projectId } from "./checks/ProjectId.js"
import { refusals } from "./checks/Refusals.js"
import { spool } from "./checks/Spool.js"
import { supervisor } from "./checks/Supervisor.js"
import { unattributed } from "./checks/Unattributed.js"
import { checkVault } from "./checks/Vault.js"
import { writable } from "./checks/Writable.js"

/** The checks on the vault's stores, run in order once the database is open and current. */
const STORE_CHECKS: ReadonlyArray<StoreDiagnosis> = [lineage, unattributed, refusals, losses]

/** Every check, in the order doctor reports them, after the vault's own. */
const CHECKS: ReadonlyArray<Diagnosis> = [
  directories,
  permissions,
  writable,
  config,
  projectId,
  database(STORE_CHECKS),
  supervisor,
  spool,
  hooks,
  harnesses
]

/** Runs every check against the vault `--vault` (or the environment, or the working directory) designates. */
export const runChecks = (vaultFlag: Option.Option<string>): Effect.Effect<ReadonlyArray<Check>> =>
  Effect.gen(function* () {
    const resolved = yield* checkVault(vaultFlag)
    const vault = resolved.vault
    if (vault === undefined) return [resolved.check]
    const loaded = yield* Effect.either(loadConfig(vault.paths))
    const store = Either.getOrElse(loaded, () => defaultConfig).store
    const base: Omit<CheckContext, "earlier"> = {
      vault,
      config: loaded,
      openStores: ({ migrate }) =>
        layerStores({
          filename: vault.paths.db,
          busyTimeoutMs: store.busy_timeout_ms,
          retry: { attempts: store.retry_attempts, baseDelayMs: store.retry_base_delay_ms },
          migrate
        })
    }
    const results: Array<Check> = [resolved.check]
    for (const check of CHECKS) results.push(...(yield* check({ ...base, earlier: [...results] })))
    return results
  })

/**
 * Runs the repair of every check that is not ok and has one, in order: what each did, by check
 * name (a repair that failed says so, and the others still run).
 */
export const repairAll = (checks: ReadonlyArray<Check>): Effect.Effect<ReadonlyMap<string, string>> =>
  Effect.gen(function* () {
    const fixed = new Map<string, string>()
    for (const check of checks) {
      if (check.repair === undefined || check.result.status === "ok") continue
      const exit = yield* Effect.exit(check.repair)
      fixed.set(check.result.check, Exit.isSuccess(exit) ? exit.value : `repair failed: ${Exit.isFailure(exit) ? errorText(exit.cause) : ""}`)
    }
    return fixed
  })
