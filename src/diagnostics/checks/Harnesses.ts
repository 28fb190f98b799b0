/**
 * Harness manifests: each of `.agents/harnesses/*.yaml` validates, and its runtime is available in
 * this myco. An invalid manifest is reported with its problems and the command that checks it
 * again; it never stops the other harnesses (nor the supervisor) from working, so it is a warning.
 */
import { Effect, Either, Layer } from "effect"
import { discoverManifests, manifestError } from "../../harness/Manifests.js"
import { Runtimes } from "../../harness/Runtime.js"
import { layerDefaultRuntimes } from "../../harness/runtimes/index.js"
import { layerRunTokens } from "../../harness/RunTokens.js"
import { defaultConfig } from "../../vault/Config.js"
import { ExitCode } from "../../domain/ExitCode.js"
import { type Check, type Diagnosis, ok } from "../Check.js"

/** The manifests are valid and their runtimes available. */
export const harnesses: Diagnosis = ({ vault, config }) =>
  Effect.map(Effect.provide(Runtimes, layerDefaultRuntimes.pipe(Layer.provide(layerRunTokens))), (runtimes) => {
    const { entries } = discoverManifests(vault.paths.root, Either.getOrElse(config, () => defaultConfig))
    const checks: Array<Check> = []
    for (const entry of entries) {
      if (entry._tag === "Invalid") {
        const error = manifestError(entry)
        checks.push({
          result: { check: `harness ${entry.name}`, status: "warn", detail: `${entry.source} is invalid: ${entry.problems.join("; ")}`, hint: error.hint, fix: `$EDITOR ${entry.source} && ${error.fix}` },
          exitCode: ExitCode.config
        })
      } else if (!runtimes.has(entry.manifest.runtime)) {
        checks.push({
          result: {
            check: `harness ${entry.manifest.name}`,
            status: "warn",
            detail: `${entry.manifest.source}: the ${entry.manifest.runtime} runtime is not available in this myco`,
            hint: "its runs go to the next harness by preference; upgrade myco for this runtime",
            fix: `myco harness check ${entry.manifest.name}`
          }
        })
      }
    }
    if (checks.length > 0) return checks
    const names = entries.map((e) => (e._tag === "Valid" ? e.manifest.name : e.name))
    return [ok("harnesses", `${names.length} harness${names.length === 1 ? "" : "es"} valid: ${names.join(", ")}`)]
  })
