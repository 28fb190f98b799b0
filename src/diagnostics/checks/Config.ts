/**
 * myco.yaml: valid, or absent (all defaults). The runner loads it once; this check reports how
 * that went. An invalid file is the user's to edit: `--fix` never touches it.
 */
import * as fs from "node:fs"
import { Effect, Either } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { type Diagnosis, ok } from "../Check.js"

/** myco.yaml loads and validates. */
export const config: Diagnosis = ({ vault, config: loaded }) =>
  Effect.sync(() => [
    Either.isRight(loaded)
      ? ok("config", fs.existsSync(vault.paths.config) ? `${vault.paths.config} is valid` : "no myco.yaml: all defaults")
      : {
          result: {
            check: "config",
            status: "fail",
            detail: loaded.left.message,
            hint: loaded.left.hint,
            fix: `$EDITOR ${vault.paths.config}`
          },
          exitCode: ExitCode.config
        }
  ])
