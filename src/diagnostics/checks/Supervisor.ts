/**
 * The supervisor and its run files. The vault lock is the truth about a supervisor: it is held
 * exactly while one runs, so run files found while the lock is free were left by one that is
 * gone, and are removed (by `--fix`) only while holding the lock.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { tryLockVault } from "../../vault/Lock.js"
import { readDaemonInfo, runFiles } from "../../vault/RunFiles.js"
import { type Check, type Diagnosis, errorText, ok } from "../Check.js"

/** Whether the supervisor check found one running (the spool check asks). */
export const supervisorRuns = (checks: ReadonlyArray<Check>): boolean =>
  checks.some((c) => c.result.check === "supervisor" && c.result.detail.startsWith("running"))

/** Is a supervisor running, and did a gone one leave run files behind. */
export const supervisor: Diagnosis = ({ vault }) =>
  Effect.sync((): ReadonlyArray<Check> => {
    const files = runFiles(vault.paths)
    let lock: ReturnType<typeof tryLockVault>
    try {
      lock = tryLockVault(vault.paths)
    } catch (cause) {
      return [
        {
          result: {
            check: "supervisor",
            status: "fail",
            detail: `cannot check the vault lock: ${errorText(cause)}`,
            hint: "the run/ directory must be writable",
            fix: "myco doctor --fix"
          },
          exitCode: ExitCode.config
        }
      ]
    }
    if (lock === "held") {
      const info = readDaemonInfo(vault.paths)
      return [
        ok("supervisor", info === undefined ? "running (starting up)" : `running, pid ${info.pid}, version ${info.version}, socket ${info.socket}`),
        ok("run files", "in use")
      ]
    }
    lock.release()
    const stale = [files.daemonJson, files.socket].filter((f) => fs.existsSync(f))
    const notRunning: Check = {
      result: { check: "supervisor", status: "warn", detail: "not running: session commands work on the vault directly", hint: "start it with `myco run`", fix: "myco run" }
    }
    if (stale.length === 0) return [notRunning, ok("run files", "none left behind")]
    return [
      notRunning,
      {
        result: {
          check: "run files",
          status: "warn",
          detail: `stale, left by a supervisor that is gone: ${stale.map((f) => path.relative(vault.paths.root, f)).join(", ")}`,
          hint: "they are safe to remove",
          fix: "myco doctor --fix"
        },
        repair: Effect.try(() => {
          // Only while holding the vault lock is it certain that no supervisor is starting.
          const held = tryLockVault(vault.paths)
          if (held === "held") return "left them: a supervisor is starting"
          try {
            for (const f of stale) fs.rmSync(f, { force: true })
          } finally {
            held.release()
          }
          return `removed ${stale.join(", ")}`
        })
      }
    ]
  })
