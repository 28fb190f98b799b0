/**
 * Events hooks spooled because no supervisor answered: drained by a running supervisor, waiting
 * otherwise; and files in the spool that were not hook events (moved to spool/rejected/).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { SPOOL_FILE } from "../../lean/Spool.js"
import { type Check, type Diagnosis, ok } from "../Check.js"
import { supervisorRuns } from "./Supervisor.js"

/** The spool files in `dir`; none when it cannot be read (the directories check reports a missing one). */
const spooled = (dir: string): ReadonlyArray<string> => {
  try {
    return fs.readdirSync(dir).filter((name) => SPOOL_FILE.test(name))
  } catch {
    return []
  }
}

/** Nothing waits in the spool without a supervisor to drain it; nothing was rejected. */
export const spool: Diagnosis = ({ vault, earlier }) =>
  Effect.sync((): ReadonlyArray<Check> => {
    const waiting = spooled(vault.paths.spool).length
    const rejectedDir = path.join(vault.paths.spool, "rejected")
    const rejected = spooled(rejectedDir).length
    const checks: Array<Check> = [
      waiting === 0
        ? ok("spool", "empty")
        : supervisorRuns(earlier)
          ? ok("spool", `${waiting} events being drained by the supervisor`)
          : {
              result: {
                check: "spool",
                status: "warn",
                detail: `${waiting} hook events wait in ${vault.paths.spool} for a supervisor`,
                hint: "hooks start one themselves unless MYCO_HOOK_AUTOSTART=0; start it to store them",
                fix: "myco run"
              }
            }
    ]
    if (rejected > 0) {
      checks.push({
        result: {
          check: "spool",
          status: "warn",
          detail: `${rejected} spooled files were not hook events; moved to ${rejectedDir}`,
          hint: "they were written by something else, or damaged; inspect them, then delete them",
          fix: `ls ${rejectedDir}`
        }
      })
    }
    return checks
  })
