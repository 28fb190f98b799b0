/**
 * Identity: the machine id (stable per user and machine) and the project id (stored in the vault,
 * so every clone of a project that commits `.myco/project.json` shares it).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { createHash } from "node:crypto"
import { Effect, Schema } from "effect"
import { ConfigError } from "../domain/Failure.js"
import { MachineId, ProjectId, randomUuid } from "../domain/Ids.js"
import { userDir } from "../lean/ConfigCache.js"
import type { VaultPaths } from "./Vault.js"

/** The per-user myco directory: `$MYCO_HOME`, else `$XDG_CONFIG_HOME/myco`, else `~/.config/myco`. */
export { userDir } from "../lean/ConfigCache.js"

const uuidShape = (hex: string): string =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`

/** Reads a file's trimmed text, or undefined when it does not exist. */
const readIfExists = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8").trim()
  } catch (cause) {
    if (cause instanceof Error && "code" in cause && cause.code === "ENOENT") return undefined
    throw cause
  }
}

/** Writes `text` to `file` only if it does not exist yet; returns what the file holds afterwards. */
const writeOnce = (file: string, text: string): string => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, text, { mode: 0o644 })
  try {
    // link() fails if the target exists: of many processes racing, exactly one creates the file.
    fs.linkSync(tmp, file)
  } catch (cause) {
    if (!(cause instanceof Error && "code" in cause && cause.code === "EEXIST")) throw cause
  } finally {
    fs.rmSync(tmp, { force: true })
  }
  return fs.readFileSync(file, "utf8").trim()
}

/**
 * The machine id: a random UUID stored once in the user directory. When that directory cannot be
 * written, a UUID derived from the host name and user id stands in (stable, but not stored).
 */
export const machineId = (env: NodeJS.ProcessEnv): Effect.Effect<MachineId, ConfigError> =>
  Effect.try({
    try: () => {
      const file = path.join(userDir(env), "machine-id")
      const existing = readIfExists(file)
      const text = existing ?? writeOnce(file, `${randomUuid()}\n`)
      return Schema.decodeUnknownSync(MachineId)(text)
    },
    catch: (cause) => cause
  }).pipe(
    Effect.catchAll((cause) =>
      cause instanceof Error && "code" in cause && typeof cause.code === "string"
        ? Effect.succeed(
            MachineId.make(
              uuidShape(createHash("sha256").update(`myco-machine\0${os.hostname()}\0${os.userInfo().uid}`).digest("hex"))
            )
          )
        : Effect.fail(
            new ConfigError({
              message: `the machine id file in ${userDir(env)} is not a UUID`,
              hint: "delete it: myco makes a new one",
              fix: `rm ${path.join(userDir(env), "machine-id")}`,
              path: path.join(userDir(env), "machine-id")
            })
          )
    )
  )

/** The vault's project.json. */
export const ProjectFile = Schema.Struct({
  id: ProjectId,
  created_at: Schema.String
})
export type ProjectFile = typeof ProjectFile.Type

const projectFileError = (paths: VaultPaths, detail: string): ConfigError =>
  new ConfigError({
    message: `${paths.projectFile} is invalid: ${detail}`,
    hint: "restore it from version control; deleting it gives the project a new id, which breaks its lineage",
    fix: "myco doctor",
    path: paths.projectFile
  })

/** The project id of a vault, created on first use. */
export const projectId = (paths: VaultPaths): Effect.Effect<ProjectId, ConfigError> =>
  Effect.try({
    try: () =>
      readIfExists(paths.projectFile) ??
      writeOnce(
        paths.projectFile,
        `${JSON.stringify({ id: randomUuid(), created_at: new Date().toISOString() }, null, 2)}\n`
      ),
    catch: (cause) => projectFileError(paths, cause instanceof Error ? cause.message : String(cause))
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => Schema.decodeUnknownSync(ProjectFile)(JSON.parse(text)).id,
        catch: () => projectFileError(paths, "expected {\"id\": \"<uuid>\", \"created_at\": \"<iso time>\"}")
      })
    )
  )
