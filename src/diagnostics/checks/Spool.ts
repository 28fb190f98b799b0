/**
 * Events hooks spooled because no supervisor answered: drained by a running supervisor, waiting
 * otherwise; files in the spool that were not hook events (moved to spool/rejected/); the fallback
 * spool outside the vault (lean/FallbackSpool.ts) and whether it can be used; and the room left on
 * the vault's disk, with the spool's reserve (what hooks fall back on when the disk is full).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Either } from "effect"
import { formatBytes, freeBytes } from "../../lean/DiskSpace.js"
import { fallbackPathsOf } from "../../lean/FallbackSpool.js"
import { checkPrivateDir } from "../../lean/SafeFs.js"
import { RESERVE_FILE, SPOOL_FILE } from "../../lean/Spool.js"
import { defaultConfig } from "../../vault/Config.js"
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

/** What waits in one spool, said as a check. */
const waitingCheck = (check: string, dir: string, waiting: number, running: boolean): Check =>
  waiting === 0
    ? ok(check, "empty")
    : running
      ? ok(check, `${waiting} events being drained by the supervisor`)
      : {
          result: {
            check,
            status: "warn",
            detail: `${waiting} hook events wait in ${dir} for a supervisor`,
            hint: "hooks start one themselves unless MYCO_HOOK_AUTOSTART=0; start it to store them",
            fix: "myco run"
          }
        }

/** The size of the spool's reserve, 0 when there is none. */
const reserveSize = (spoolDir: string): number => {
  try {
    return fs.lstatSync(path.join(spoolDir, RESERVE_FILE)).size
  } catch {
    return 0
  }
}

/** Nothing waits in the spools without a supervisor to drain them; nothing was rejected; there is room. */
export const spool: Diagnosis = ({ vault, config, earlier }) =>
  Effect.sync((): ReadonlyArray<Check> => {
    const running = supervisorRuns(earlier)
    const rejectedDir = path.join(vault.paths.spool, "rejected")
    const rejected = spooled(rejectedDir).length
    const checks: Array<Check> = [waitingCheck("spool", vault.paths.spool, spooled(vault.paths.spool).length, running)]
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

    const fallback = fallbackPathsOf(vault.paths.dir, process.env)
    if (fallback === undefined) {
      checks.push({
        result: {
          check: "fallback spool",
          status: "warn",
          detail: "none: neither XDG_STATE_HOME nor HOME is set, so a hook that finds the vault's disk full has nowhere else to spool",
          hint: "run myco (and the agents) with HOME set"
        }
      })
    } else {
      const unusable = [fallback.root, path.dirname(fallback.dir), fallback.dir, fallback.spool, fallback.lost]
        .map((dir) => ({ dir, check: checkPrivateDir(dir) }))
        .find((d) => !d.check.ok && d.check.reason !== "missing")
      if (unusable !== undefined && !unusable.check.ok) {
        checks.push({
          result: {
            check: "fallback spool",
            status: "warn",
            detail: `${unusable.dir} ${unusable.check.reason}: hooks will not use the fallback spool`,
            hint: "myco never follows a link there nor uses another user's directory (it may have been planted); move it aside and let myco make it again",
            fix: `mv ${unusable.dir} ${unusable.dir}.suspect && myco run`
          }
        })
      } else {
        const waiting = spooled(fallback.spool).length
        checks.push(waiting === 0 ? ok("fallback spool", `${fallback.spool}, empty`) : waitingCheck("fallback spool", fallback.spool, waiting, running))
      }
    }

    const target = Either.getOrElse(config, () => defaultConfig).daemon.spool_reserve_bytes
    const reserve = reserveSize(vault.paths.spool)
    const free = freeBytes(vault.paths.dir)
    const room = free === undefined ? "free space unknown" : `${formatBytes(free)} free`
    const reserveText = target === 0 ? "no reserve (daemon.spool_reserve_bytes: 0)" : `reserve ${formatBytes(reserve)} of ${formatBytes(target)}`
    const low = free !== undefined && free < Math.max(2 * target, 8 * 1024 * 1024)
    checks.push(
      low || (target > 0 && reserve < target && running)
        ? {
            result: {
              check: "disk space",
              status: "warn",
              detail: `the vault's disk has ${room}; ${reserveText}`,
              hint: "when it is full, the supervisor pauses its writes, and hooks spool into the reserve, then into the fallback spool, and count what fits nowhere; free some space",
              fix: `df -h ${vault.paths.dir}`
            }
          }
        : ok("disk space", `${room}; ${reserveText}`)
    )
    return checks
  })
