/**
 * Whether myco can write in the vault: probed by writing a file, since permission bits do not
 * tell the whole story (root, ACLs, read-only mounts).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { type Check, type Diagnosis, errorText, ok } from "../Check.js"

/** A probe file can be written and removed in the vault directory. */
export const writable: Diagnosis = ({ vault }) =>
  Effect.sync((): ReadonlyArray<Check> => {
    const probe = path.join(vault.paths.dir, `.doctor-${process.pid}`)
    try {
      fs.writeFileSync(probe, "")
      fs.rmSync(probe)
      return [ok("writable", `${vault.paths.dir} is writable`)]
    } catch (cause) {
      return [
        {
          result: {
            check: "writable",
            status: "fail",
            detail: `cannot write in ${vault.paths.dir}: ${errorText(cause)}`,
            hint: "myco must be able to write its vault; check its owner and mode",
            fix: `chmod -R u+w ${vault.paths.dir}`
          },
          exitCode: ExitCode.config
        }
      ]
    }
  })
