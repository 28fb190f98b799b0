/**
 * Whether the vault is private (see vault/Permissions.ts for what must be, and why): `.myco/` and
 * its private directories 0700, the database files, logs, spool, run files, backups and archives
 * 0600, all of them real files and directories of the vault's owner. A looser mode is a warning
 * that `--fix` repairs; a symbolic link or something another user owns is a failure it leaves
 * alone (it may have been planted: myco never follows it or changes it), with the way out.
 */
import * as path from "node:path"
import { Effect } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { describeProblem, tightenVault, vaultPermissionProblems } from "../../vault/Permissions.js"
import { type Check, type Diagnosis, ok } from "../Check.js"

/** How many paths a detail names before it says how many more there are. */
const SHOWN = 8

const listed = (items: ReadonlyArray<string>): string =>
  items.length <= SHOWN ? items.join(", ") : `${items.slice(0, SHOWN).join(", ")} and ${items.length - SHOWN} more`

/** Nothing of the vault is readable by other users, or in someone else's hands. */
export const permissions: Diagnosis = ({ vault }) =>
  Effect.sync((): ReadonlyArray<Check> => {
    const { paths } = vault
    const problems = vaultPermissionProblems(paths)
    const unsafe = problems.filter((p) => p._tag === "Unsafe")
    const loose = problems.filter((p) => p._tag === "Loose")
    const checks: Array<Check> = []
    const first = unsafe[0]
    if (first !== undefined) {
      const where = path.relative(paths.root, first.path) || first.path
      checks.push({
        result: {
          check: "permissions",
          status: "fail",
          detail: `not the vault's own: ${listed(unsafe.map((p) => describeProblem(paths, p)))}`,
          hint: "myco never follows a symbolic link in its vault nor changes what another user owns (it may have been planted): look at it, then move it aside and let myco recreate it",
          fix: `mv ${where} ${where}.suspect && myco init`
        },
        exitCode: ExitCode.config
      })
    }
    if (loose.length > 0) {
      checks.push({
        result: {
          check: "permissions",
          status: "warn",
          detail: `readable by other users: ${listed(loose.map((p) => describeProblem(paths, p)))}`,
          hint: "the vault holds every captured prompt, tool call and answer: it should be private (0700 directories, 0600 files)",
          fix: "myco doctor --fix"
        },
        // What is not the vault's own is left alone (and reported above); the rest is tightened.
        repair: Effect.map(
          Effect.try(() => tightenVault(paths)),
          (done) => `made private: ${listed(done.tightened.map((p) => path.relative(paths.root, p) || p))}`
        )
      })
    }
    if (checks.length === 0) return [ok("permissions", ".myco/ and its private files are the owner's only (0700 directories, 0600 files)")]
    return checks
  })
