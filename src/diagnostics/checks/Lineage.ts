/**
 * Lineage: every session's transition history replays to its stored status and version. A
 * session it does not explain was changed outside myco (the history itself is append-only).
 */
import { Effect } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { Maintenance } from "../../store/Maintenance.js"
import { ok, type StoreDiagnosis } from "../Check.js"

/** Every history explains its session. */
export const lineage: StoreDiagnosis = () =>
  Effect.gen(function* () {
    const report = yield* (yield* Maintenance).lineage
    if (report._tag === "Unreadable") {
      return [
        {
          result: {
            check: "lineage",
            status: "fail",
            detail: `the transition history holds rows myco cannot read: ${report.problem.split("\n")[0] ?? ""}`,
            hint: "the database was changed outside myco",
            fix: "myco doctor"
          },
          exitCode: ExitCode.dataErr
        }
      ]
    }
    const { sessions, broken } = report
    return [
      broken.length === 0
        ? ok("lineage", `${sessions} sessions, each history replays to its status`)
        : {
            result: {
              check: "lineage",
              status: "fail",
              detail: `${broken.length} sessions whose history does not explain their status: ${broken.slice(0, 5).join(", ")}`,
              hint: "the database was changed outside myco; inspect with `myco session history ID`",
              fix: "myco session history " + (broken[0] ?? "ID")
            },
            exitCode: ExitCode.dataErr
          }
    ]
  })
