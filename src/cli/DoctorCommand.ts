/**
 * `myco doctor [--fix] [--vault DIR] [--json]`: runs the checks (diagnostics/Doctor.ts), repairs
 * what is safe to repair when asked and runs them again, then renders one line per check (each
 * problem with a hint and the command that fixes it) or the results as JSON. The exit code is the
 * first failure's.
 */
import { Command, Options } from "@effect/cli"
import { Effect, Schema } from "effect"
import { CheckResult } from "../diagnostics/Check.js"
import { repairAll, runChecks } from "../diagnostics/Doctor.js"
import { jsonOption, vaultOption } from "./Common.js"
import { ExitCode } from "./ExitCodes.js"
import { Output } from "./Output.js"

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
      let fixed: ReadonlyMap<string, string> = new Map()
      if (o.fix) {
        fixed = yield* repairAll(checks)
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
