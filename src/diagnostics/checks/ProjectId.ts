/**
 * The project id (.myco/project.json): it names the project in every session, so a missing one is
 * restored from version control when possible; a new one is made only by `--fix`.
 */
import * as fs from "node:fs"
import { Effect, Schema } from "effect"
import { ExitCode } from "../../domain/ExitCode.js"
import { ProjectFile, projectId as makeProjectId } from "../../vault/Identity.js"
import { type Check, type Diagnosis, errorText, ok } from "../Check.js"

/** project.json exists and is valid. */
export const projectId: Diagnosis = ({ vault }) =>
  Effect.sync((): ReadonlyArray<Check> => {
    if (!fs.existsSync(vault.paths.projectFile)) {
      return [
        {
          result: {
            check: "project id",
            status: "fail",
            detail: "project.json is missing",
            hint: "if the project is in version control, restore .myco/project.json from it (it keeps the project's lineage); otherwise a new id is safe",
            fix: "myco doctor --fix"
          },
          exitCode: ExitCode.config,
          repair: Effect.map(makeProjectId(vault.paths), (id) => `created project.json with id ${id}`)
        }
      ]
    }
    try {
      const file = Schema.decodeUnknownSync(ProjectFile)(JSON.parse(fs.readFileSync(vault.paths.projectFile, "utf8")))
      return [ok("project id", file.id)]
    } catch (cause) {
      return [
        {
          result: {
            check: "project id",
            status: "fail",
            detail: `project.json is invalid: ${errorText(cause).split("\n")[0] ?? ""}`,
            hint: "restore .myco/project.json from version control",
            fix: "git checkout -- .myco/project.json"
          },
          exitCode: ExitCode.config
        }
      ]
    }
  })
