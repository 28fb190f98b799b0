/**
 * Doctor's first check: which vault it looks at and how it was found. Without one, nothing else
 * can be checked, and the failure says how to make one.
 */
import { Effect, Either, Option } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { resolveVault, type ResolvedVault } from "../../vault/Vault.js"
import { type Check, ok } from "../Check.js"

const byWhat = { flag: "from --vault", "walk-up": "found from the working directory", env: "from MYCO_VAULT_DIR" } as const

/** Resolves the vault as every command does (`--vault`, MYCO_VAULT_DIR, walking up): its check, and the vault when found. */
export const checkVault = (
  vaultFlag: Option.Option<string>
): Effect.Effect<{ readonly check: Check; readonly vault: ResolvedVault | undefined }> =>
  Effect.map(
    Effect.either(resolveVault({ flag: Option.getOrUndefined(vaultFlag), cwd: process.cwd(), env: process.env["MYCO_VAULT_DIR"] })),
    (resolved) => {
      if (Either.isLeft(resolved)) {
        const e = resolved.left
        return {
          check: { result: { check: "vault", status: "fail", detail: e.message, hint: e.hint, fix: e.fix }, exitCode: ExitCode.config },
          vault: undefined
        }
      }
      const vault = resolved.right
      return { check: ok("vault", `project ${vault.paths.root}, vault ${vault.paths.dir} (${byWhat[vault.by]})`), vault }
    }
  )
