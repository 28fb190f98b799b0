/**
 * The agents' capture hooks: one check per agent whose config holds myco's hooks (current, or
 * outdated and reinstalled by --fix), one per malformed config, and the guard they all run. Agents
 * the user did not install hooks for are left alone, by --fix too.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Either } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { AGENTS } from "../../agents/index.js"
import { GUARD_PATH } from "../../install/HookConfig.js"
import { agentStatuses, guardFile, installHooks, ownHookBundle, resolveGuard, writeGuard } from "../../install/Installer.js"
import { type Check, type Diagnosis, ok } from "../Check.js"

/** The hooks installed in the project run myco, through a guard that finds it. */
export const hooks: Diagnosis = ({ vault }) =>
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
