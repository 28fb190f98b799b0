/**
 * `myco doctor`: diagnoses a vault, one check per line, each failure with a hint and the command
 * that fixes it. `--fix` repairs what is safe to repair (missing directories, pending migrations,
 * stale run files, a missing project id) and says what it did.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Command, Options } from "@effect/cli"
import { SqlClient } from "@effect/sql/SqlClient"
import { Effect, Either, Exit, Layer, Option, ParseResult, Schema } from "effect"
import { replayHistory, type TransitionRecord } from "../domain/Session.js"
import { mapSqlErrors } from "../store/sqlite/SqliteErrors.js"
import { knownMigrationIds } from "../store/sqlite/Migrations.js"
import { EventStore } from "../store/EventStore.js"
import { appliedMigrations, DatabaseSettings, layerDatabase, migrate } from "../store/sqlite/Database.js"
import { layerEventStore } from "../store/sqlite/EventStore.js"
import { decodeTransitionRecords } from "../store/sqlite/SessionStore.js"
import { defaultConfig, type MycoConfig } from "../vault/Config.js"
import { ProjectFile, projectId } from "../vault/Identity.js"
import { ensureDirectories, vaultDirectories } from "../vault/Init.js"
import { tryLockVault } from "../vault/Lock.js"
import { readDaemonInfo, runFiles } from "../vault/RunFiles.js"
import { SPOOL_FILE } from "../lean/Spool.js"
import { resolveVault, type ResolvedVault } from "../vault/Vault.js"
import { loadConfig } from "../vault/VaultContext.js"
import { jsonOption, vaultOption } from "../cli/Common.js"
import { ExitCode } from "../cli/ExitCodes.js"
import { AGENTS } from "../agents/index.js"
import { GUARD_PATH } from "../install/HookConfig.js"
import { agentStatuses, guardFile, installHooks, ownHookBundle, resolveGuard, writeGuard } from "../install/Installer.js"
import { Output } from "../cli/Output.js"

/** The outcome of one check. */
export const CheckResult = Schema.Struct({
  check: Schema.String,
  status: Schema.Literal("ok", "warn", "fail"),
  detail: Schema.String,
  hint: Schema.optional(Schema.String),
  fix: Schema.optional(Schema.String),
  /** What `--fix` did about it, when it did something. */
  fixed: Schema.optional(Schema.String)
})
export type CheckResult = typeof CheckResult.Type

/** A check, and how to repair what it finds when that is safe. */
interface Check {
  readonly result: CheckResult
  /** Exit code when the check fails. */
  readonly exitCode?: number
  readonly repair?: Effect.Effect<string, unknown>
}

const ok = (check: string, detail: string): Check => ({ result: { check, status: "ok", detail } })

const byWhat = { flag: "from --vault", "walk-up": "found from the working directory", env: "from MYCO_VAULT_DIR" } as const

const errorText = (u: unknown): string =>
  typeof u === "object" && u !== null && "message" in u && typeof u.message === "string" ? u.message : String(u)

/** Directory checks: each must exist; run/ and spool/ must be private. */
const checkDirectories = (vault: ResolvedVault): Check => {
  const missing = vaultDirectories(vault.paths).filter(([dir]) => !fs.existsSync(dir)).map(([dir]) => dir)
  const open = vaultDirectories(vault.paths).filter(
    ([dir, mode]) => mode === 0o700 && fs.existsSync(dir) && (fs.statSync(dir).mode & 0o077) !== 0
  )
  const repair = Effect.map(ensureDirectories(vault.paths), (c) =>
    c.created.length > 0 ? `created ${c.created.join(", ")}` : `set mode 0700 on ${open.map(([d]) => d).join(", ")}`
  )
  if (missing.length > 0) {
    return {
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
  }
  if (open.length > 0) {
    return {
      result: {
        check: "directories",
        status: "warn",
        detail: `readable by others: ${open.map(([d]) => path.relative(vault.paths.root, d)).join(", ")}`,
        hint: "these hold the socket and undelivered events: they should be private (0700)",
        fix: "myco doctor --fix"
      },
      repair
    }
  }
  return ok("directories", "all present, run/ private")
}

const checkWritable = (vault: ResolvedVault): Check => {
  const probe = path.join(vault.paths.dir, `.doctor-${process.pid}`)
  try {
    fs.writeFileSync(probe, "")
    fs.rmSync(probe)
    return ok("writable", `${vault.paths.dir} is writable`)
  } catch (cause) {
    return {
      result: {
        check: "writable",
        status: "fail",
        detail: `cannot write in ${vault.paths.dir}: ${errorText(cause)}`,
        hint: "myco must be able to write its vault; check its owner and mode",
        fix: `chmod -R u+w ${vault.paths.dir}`
      },
      exitCode: ExitCode.config
    }
  }
}

const checkProject = (vault: ResolvedVault): Check => {
  if (!fs.existsSync(vault.paths.projectFile)) {
    return {
      result: {
        check: "project id",
        status: "fail",
        detail: "project.json is missing",
        hint: "if the project is in version control, restore .myco/project.json from it (it keeps the project's lineage); otherwise a new id is safe",
        fix: "myco doctor --fix"
      },
      exitCode: ExitCode.config,
      repair: Effect.map(projectId(vault.paths), (id) => `created project.json with id ${id}`)
    }
  }
  try {
    const file = Schema.decodeUnknownSync(ProjectFile)(JSON.parse(fs.readFileSync(vault.paths.projectFile, "utf8")))
    return ok("project id", file.id)
  } catch (cause) {
    return {
      result: {
        check: "project id",
        status: "fail",
        detail: `project.json is invalid: ${errorText(cause).split("\n")[0] ?? ""}`,
        hint: "restore .myco/project.json from version control",
        fix: "git checkout -- .myco/project.json"
      },
      exitCode: ExitCode.config
    }
  }
}

/** The checks that need the database. */
const databaseChecks = (vault: ResolvedVault, config: MycoConfig): Effect.Effect<ReadonlyArray<Check>> => {
  const options = {
    filename: vault.paths.db,
    busyTimeoutMs: config.store.busy_timeout_ms,
    retry: { attempts: config.store.retry_attempts, baseDelayMs: config.store.retry_base_delay_ms },
    migrate: false
  }
  if (!fs.existsSync(vault.paths.db)) {
    return Effect.succeed([
      {
        result: {
          check: "database",
          status: "fail",
          detail: `${vault.paths.db} does not exist`,
          hint: "it is created with the vault; creating it again is safe (an empty database)",
          fix: "myco doctor --fix"
        },
        exitCode: ExitCode.config,
        repair: Effect.as(
          Effect.scoped(Layer.build(layerDatabase({ ...options, migrate: true }))),
          `created ${vault.paths.db}`
        )
      }
    ])
  }
  const checks = Effect.gen(function* () {
    const sql = yield* SqlClient
    const results: Array<Check> = [ok("database", `${vault.paths.db} opens`)]
    const integrity = yield* sql<{ readonly integrity_check: string }>`PRAGMA integrity_check`.pipe(
      mapSqlErrors("sqlite.integrity", vault.paths.db)
    )
    const verdict = integrity.map((r) => r.integrity_check)
    results.push(
      verdict.length === 1 && verdict[0] === "ok"
        ? ok("integrity", "PRAGMA integrity_check: ok")
        : {
            result: {
              check: "integrity",
              status: "fail",
              detail: `PRAGMA integrity_check: ${verdict.slice(0, 3).join("; ")}`,
              hint: "the database is damaged; stop every myco process, keep a copy of .myco/myco.db, and recover it with sqlite3's .recover",
              fix: `sqlite3 ${vault.paths.db} .recover | sqlite3 ${vault.paths.db}.recovered`
            },
            exitCode: ExitCode.software
          }
    )
    const applied = yield* appliedMigrations
    const newest = knownMigrationIds[knownMigrationIds.length - 1] ?? 0
    const pending = knownMigrationIds.filter((id) => !applied.includes(id))
    const unknown = applied.filter((id) => id > newest)
    if (unknown.length > 0) {
      results.push({
        result: {
          check: "migrations",
          status: "fail",
          detail: `the database has migrations this myco does not know (${unknown.join(", ")})`,
          hint: "it was written by a newer myco: upgrade",
          fix: "npm install myco@latest"
        },
        exitCode: ExitCode.config
      })
    } else if (pending.length > 0) {
      results.push({
        result: {
          check: "migrations",
          status: "warn",
          detail: `pending: ${pending.join(", ")} (any myco command applies them)`,
          hint: "apply them now",
          fix: "myco doctor --fix"
        },
        repair: Effect.map(migrate, (done) => `applied migrations ${done.join(", ")}`).pipe(Effect.provide(dbLayer))
      })
    } else {
      results.push(ok("migrations", `up to date (${applied.length} applied)`))
      results.push(yield* checkLineage)
      results.push(yield* checkUnattributed)
    }
    return results
  })
  const dbLayer = layerDatabase(options)
  return checks.pipe(
    Effect.provide(dbLayer),
    Effect.catchAll((e) =>
      Effect.succeed([
        {
          result: {
            check: "database",
            status: "fail" as const,
            detail: errorText(e),
            hint:
              e._tag === "SystemError"
                ? "the file is damaged or not a database; move it aside and restore from .myco/backups/ if there is a backup"
                : "check the database file's permissions",
            fix: e._tag === "ConfigError" ? e.fix : "myco doctor"
          },
          exitCode: e._tag === "SystemError" ? ExitCode.software : ExitCode.config
        }
      ])
    )
  )
}

/** Every session's history must replay to its stored status and version. */
const checkLineage = Effect.gen(function* () {
  const sql = yield* SqlClient
  const { filename } = yield* DatabaseSettings
  const sessions = yield* sql<{ readonly id: string; readonly status: string; readonly version: number }>`SELECT id, status, version FROM sessions`.pipe(
    mapSqlErrors("sqlite.lineage", filename)
  )
  const rows = yield* sql`SELECT * FROM transitions ORDER BY session_id, version`.pipe(mapSqlErrors("sqlite.lineage", filename))
  const records = yield* Effect.either(decodeTransitionRecords(rows))
  if (Either.isLeft(records)) {
    return {
      result: {
        check: "lineage",
        status: "fail" as const,
        detail: `the transition history holds rows myco cannot read: ${ParseResult.TreeFormatter.formatErrorSync(records.left).split("\n")[0] ?? ""}`,
        hint: "the database was changed outside myco",
        fix: "myco doctor"
      },
      exitCode: ExitCode.dataErr
    }
  }
  const bySession = new Map<string, Array<TransitionRecord>>()
  for (const record of records.right) {
    const list = bySession.get(record.sessionId)
    if (list === undefined) bySession.set(record.sessionId, [record])
    else list.push(record)
  }
  const broken = sessions.filter((s) => {
    const replay = replayHistory(bySession.get(s.id) ?? [])
    return Either.isLeft(replay) || replay.right.status !== s.status || replay.right.version !== s.version
  })
  return broken.length === 0
    ? ok("lineage", `${sessions.length} sessions, each history replays to its status`)
    : {
        result: {
          check: "lineage",
          status: "fail" as const,
          detail: `${broken.length} sessions whose history does not explain their status: ${broken.slice(0, 5).map((s) => s.id).join(", ")}`,
          hint: "the database was changed outside myco; inspect with `myco session history ID`",
          fix: "myco session history " + (broken[0]?.id ?? "ID")
        },
        exitCode: ExitCode.dataErr
      }
})

/** Hook events that named no session: kept, and worth a look at the hooks that sent them. */
const checkUnattributed = Effect.gen(function* () {
  const events = yield* EventStore
  const { count, newest } = yield* events.unattributedSummary
  if (count === 0 || newest === null) return ok("unattributed", "every hook event named its session")
  return {
    result: {
      check: "unattributed",
      status: "warn" as const,
      detail: `${count} hook events named no session and are kept apart (newest: ${newest.agent} ${newest.event}, ${newest.reason})`,
      hint: "a hook got empty or malformed input, or is installed for the wrong agent: check the agent's hook config",
      fix: "myco hooks status"
    }
  }
}).pipe(Effect.provide(layerEventStore))

/** Events hooks spooled: drained by a running supervisor; waiting otherwise. */
const checkSpool = (vault: ResolvedVault, supervisorRuns: boolean): ReadonlyArray<Check> => {
  const list = (dir: string): ReadonlyArray<string> => {
    try {
      return fs.readdirSync(dir).filter((name) => SPOOL_FILE.test(name))
    } catch {
      return []
    }
  }
  const waiting = list(vault.paths.spool).length
  const rejected = list(path.join(vault.paths.spool, "rejected")).length
  const checks: Array<Check> = [
    waiting === 0
      ? ok("spool", "empty")
      : supervisorRuns
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
        detail: `${rejected} spooled files were not hook events; moved to ${path.join(vault.paths.spool, "rejected")}`,
        hint: "they were written by something else, or damaged; inspect them, then delete them",
        fix: `ls ${path.join(vault.paths.spool, "rejected")}`
      }
    })
  }
  return checks
}

const checkSupervisor = (vault: ResolvedVault): ReadonlyArray<Check> => {
  const files = runFiles(vault.paths)
  // The vault lock is the truth about a supervisor: it is held exactly while one runs.
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
  const supervisor: Check = {
    result: { check: "supervisor", status: "warn", detail: "not running: session commands work on the vault directly", hint: "start it with `myco run`", fix: "myco run" }
  }
  if (stale.length === 0) return [supervisor, ok("run files", "none left behind")]
  return [
    supervisor,
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
}

/**
 * The agents' capture hooks: one check per agent whose config holds myco's hooks (current, or
 * outdated and reinstalled by --fix), one per malformed config, and the guard they all run. Agents
 * the user did not install hooks for are left alone, by --fix too.
 */
const hookChecks = (vault: ResolvedVault): Effect.Effect<ReadonlyArray<Check>> =>
  Effect.gen(function* () {
    const root = vault.paths.root
    const statuses = yield* Effect.either(agentStatuses(root))
    if (Either.isLeft(statuses)) {
      const e = statuses.left
      return [{ result: { check: "hooks", status: "fail", detail: e.message, hint: e.hint, fix: e.fix }, exitCode: ExitCode.config }]
    }
    // The guard's check comes first: --fix writes it before reinstalling any agent's hooks.
    const checks: Array<Check> = []
    const users: Array<string> = []
    for (const s of statuses.right) {
      const name = `hooks ${s.agent}`
      const spec = AGENTS[s.agent].hooks
      if (s.state === "installed") {
        users.push(s.agent)
        checks.push(ok(name, `${s.config}: ${spec.events.length} hooks run ${GUARD_PATH}`))
      } else if (s.state === "outdated" && s.inspection !== null) {
        users.push(s.agent)
        const { missing, outdated, stray } = s.inspection
        const parts = [
          missing.length > 0 ? `missing ${missing.join(", ")}` : "",
          outdated.length > 0 ? `not as myco installs them: ${outdated.join(", ")}` : "",
          stray.length > 0 ? `left under events myco no longer uses: ${stray.join(", ")}` : ""
        ].filter((p) => p !== "")
        checks.push({
          result: {
            check: name,
            status: "warn",
            detail: `${s.config}: ${parts.join("; ")}`,
            hint: "some events are not captured as they should be; reinstalling rewrites only myco's entries",
            fix: "myco doctor --fix"
          },
          repair: Effect.map(installHooks(root, [s.agent]), (o) => `reinstalled myco's hooks in ${s.config} (${o.agents[0]?.action ?? "unchanged"})`)
        })
      } else if (s.state === "malformed" && s.mentionsGuard) {
        // A broken config that never held myco's hooks is the user's business, not myco's.
        users.push(s.agent)
        checks.push({
          result: {
            check: name,
            status: "fail",
            detail: `${s.config}: ${s.problem ?? "malformed"}`,
            hint: `${spec.title} cannot read it either; myco will not edit it until it is valid`,
            fix: `$EDITOR ${path.join(root, s.config)}`
          },
          exitCode: ExitCode.dataErr
        })
      }
    }
    const guard = guardFile(root)
    if (!fs.existsSync(guard)) {
      if (users.length === 0) return [ok("hooks", "none installed (`myco hooks install --agent NAME` installs them)")]
      checks.unshift({
        result: {
          check: "hook guard",
          status: "fail",
          detail: `${GUARD_PATH} is missing, but the hooks of ${users.join(", ")} run it: each of them fails`,
          hint: "it is written by `myco hooks install` and should be committed with the project",
          fix: "myco doctor --fix"
        },
        exitCode: ExitCode.config,
        repair: Effect.map(writeGuard(root), (action) => `${action} ${GUARD_PATH}`)
      })
      return checks
    }
    const rewrite = Effect.map(writeGuard(root), (action) => `${action} ${GUARD_PATH}`)
    const resolution = resolveGuard(root)
    if (resolution.error !== null) {
      checks.unshift({
        result: {
          check: "hook guard",
          status: "fail",
          detail: `${GUARD_PATH} does not run: ${resolution.error}`,
          hint: "the hooks that run it fail; it can be rewritten safely",
          fix: "myco doctor --fix"
        },
        exitCode: ExitCode.config,
        repair: rewrite
      })
    } else if ((fs.statSync(guard).mode & 0o111) === 0) {
      checks.unshift({
        result: {
          check: "hook guard",
          status: "warn",
          detail: `${GUARD_PATH} is not executable (agents run it with node, which does not need it, but it should be 0755)`,
          hint: "make it executable",
          fix: "myco doctor --fix"
        },
        repair: Effect.as(
          Effect.try(() => fs.chmodSync(guard, 0o755)),
          `set mode 0755 on ${GUARD_PATH}`
        )
      })
    } else if (resolution.hook === null) {
      const own = ownHookBundle()
      const canPoint = own !== null && fs.existsSync(own)
      checks.unshift({
        result: {
          check: "hook guard",
          status: "warn",
          detail: `${GUARD_PATH} finds no myco hook bundle ($MYCO_HOOK, the myco that installed it, node_modules/myco): the hooks do nothing`,
          hint: canPoint
            ? "point it at this myco's hook bundle"
            : "install myco in the project (`npm install --save-dev myco`), or set MYCO_HOOK to a myco-hook.cjs",
          fix: canPoint ? "myco doctor --fix" : "npm install --save-dev myco"
        },
        ...(canPoint ? { repair: rewrite } : {})
      })
    } else {
      checks.unshift(ok("hook guard", `${GUARD_PATH} runs ${resolution.hook}`))
    }
    return checks
  })

/** Runs every check against the vault the options designate. */
export const runChecks = (vaultFlag: Option.Option<string>): Effect.Effect<ReadonlyArray<Check>> =>
  Effect.gen(function* () {
    const resolved = yield* Effect.either(
      resolveVault({ flag: Option.getOrUndefined(vaultFlag), cwd: process.cwd(), env: process.env["MYCO_VAULT_DIR"] })
    )
    if (Either.isLeft(resolved)) {
      const e = resolved.left
      return [
        {
          result: { check: "vault", status: "fail" as const, detail: e.message, hint: e.hint, fix: e.fix },
          exitCode: ExitCode.config
        }
      ]
    }
    const vault = resolved.right
    const checks: Array<Check> = [
      ok("vault", `project ${vault.paths.root}, vault ${vault.paths.dir} (${byWhat[vault.by]})`),
      checkDirectories(vault),
      checkWritable(vault)
    ]
    const config = yield* Effect.either(loadConfig(vault.paths))
    checks.push(
      Either.isRight(config)
        ? ok("config", fs.existsSync(vault.paths.config) ? `${vault.paths.config} is valid` : "no myco.yaml: all defaults")
        : {
            result: {
              check: "config",
              status: "fail",
              detail: config.left.message,
              hint: config.left.hint,
              fix: `$EDITOR ${vault.paths.config}`
            },
            exitCode: ExitCode.config
          }
    )
    checks.push(checkProject(vault))
    checks.push(...(yield* databaseChecks(vault, Either.getOrElse(config, () => defaultConfig))))
    const supervisor = checkSupervisor(vault)
    checks.push(...supervisor)
    checks.push(...checkSpool(vault, supervisor.some((c) => c.result.check === "supervisor" && c.result.detail.startsWith("running"))))
    checks.push(...(yield* hookChecks(vault)))
    return checks
  })

const symbol = { ok: "ok  ", warn: "warn", fail: "FAIL" } as const

/** `myco doctor`. */
export const doctorCommand = Command.make(
  "doctor",
  {
    fix: Options.boolean("fix").pipe(Options.withDescription("repair what is safe to repair, and say what was done")),
    vault: vaultOption,
    json: jsonOption
  },
  (o) =>
    Effect.gen(function* () {
      const out = yield* Output
      let checks = yield* runChecks(o.vault)
      const fixed = new Map<string, string>()
      if (o.fix) {
        for (const check of checks) {
          if (check.repair === undefined || check.result.status === "ok") continue
          const exit = yield* Effect.exit(check.repair)
          fixed.set(
            check.result.check,
            Exit.isSuccess(exit) ? exit.value : `repair failed: ${Exit.isFailure(exit) ? errorText(exit.cause) : ""}`
          )
        }
        if (fixed.size > 0) checks = yield* runChecks(o.vault)
      }
      const results = checks.map((c) => {
        const did = fixed.get(c.result.check)
        return did === undefined ? c.result : { ...c.result, fixed: did }
      })
      if (o.json) {
        yield* out.json(Schema.encodeSync(Schema.Array(CheckResult))(results))
      } else {
        for (const [check, did] of fixed) yield* out.line(`fixed ${check}: ${did}`)
        const width = Math.max(12, ...results.map((r) => r.check.length))
        const indent = " ".repeat(width + 7)
        for (const r of results) {
          yield* out.line(`${symbol[r.status]}  ${r.check.padEnd(width)} ${r.detail.split("\n").join("\n" + indent)}`)
          if (r.status !== "ok" && r.hint !== undefined) yield* out.line(`${indent}hint: ${r.hint}`)
          if (r.status !== "ok" && r.fix !== undefined) yield* out.line(`${indent}fix:  ${r.fix}`)
        }
      }
      const failed = checks.find((c) => c.result.status === "fail")
      yield* out.exitWith(failed === undefined ? ExitCode.ok : (failed.exitCode ?? ExitCode.config))
    })
).pipe(Command.withDescription("diagnose the vault: one line per check, with a hint and a fix for each problem"))
