/**
 * The vault's directories: each must exist. Missing ones are safe to recreate (private, as
 * `myco init` makes them); how private the existing ones are is the permissions check's business.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { ensureDirectories, vaultDirectories } from "../../vault/Init.js"
import { type Diagnosis, ok } from "../Check.js"

/** Every directory present. */
export const directories: Diagnosis = ({ vault }) =>
  Effect.sync(() => {
    const missing = vaultDirectories(vault.paths).filter(([dir]) => !fs.existsSync(dir)).map(([dir]) => dir)
    if (missing.length === 0) return [ok("directories", "all present")]
    return [
      {
        result: {
          check: "directories",
          status: "fail",
          detail: `missing: ${missing.map((d) => path.relative(vault.paths.root, d)).join(", ")}`,
          hint: "the vault is incomplete; the missing directories can be recreated safely",
          fix: "myco doctor --fix"
        },
        exitCode: ExitCode.config,
        repair: Effect.map(ensureDirectories(vault.paths), (c) => `created ${c.created.map((d) => path.relative(vault.paths.root, d)).join(", ")}`)
      }
    ]
  })
