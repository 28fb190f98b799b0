/**
 * The vault's directories: each must exist, and run/ and spool/ (the socket, undelivered events)
 * must be private. Both are safe to repair.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { ensureDirectories, vaultDirectories } from "../../vault/Init.js"
import { type Diagnosis, ok } from "../Check.js"

/** Every directory present; the private ones private. */
export const directories: Diagnosis = ({ vault }) =>
  Effect.sync(() => {
    const missing = vaultDirectories(vault.paths).filter(([dir]) => !fs.existsSync(dir)).map(([dir]) => dir)
    const open = vaultDirectories(vault.paths).filter(
      ([dir, mode]) => mode === 0o700 && fs.existsSync(dir) && (fs.statSync(dir).mode & 0o077) !== 0
    )
    const repair = Effect.map(ensureDirectories(vault.paths), (c) =>
      c.created.length > 0 ? `created ${c.created.join(", ")}` : `set mode 0700 on ${open.map(([d]) => d).join(", ")}`
    )
    if (missing.length > 0) {
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
          repair
        }
      ]
    }
    if (open.length > 0) {
      return [
        {
          result: {
            check: "directories",
            status: "warn",
            detail: `readable by others: ${open.map(([d]) => path.relative(vault.paths.root, d)).join(", ")}`,
            hint: "these hold the socket and undelivered events: they should be private (0700)",
            fix: "myco doctor --fix"
          },
          repair
        }
      ]
    }
    return [ok("directories", "all present, run/ private")]
  })
