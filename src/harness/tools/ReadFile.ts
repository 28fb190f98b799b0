/**
 * `read_file`: one project file, under the same capture boundary as captured events. In order:
 * the path must lie inside the project root (not the vault directory); it must not be excluded by
 * the session's exclusion globs or the vault's; the file's real path (links resolved) must pass
 * both checks again, so that a link cannot lead out of the project or to an excluded file; it must
 * be a regular text file; at most `maxFileBytes` of it are read (the answer says when it was cut);
 * and every secret in it is redacted by the capture rules (lean/Secrets.ts) before it leaves.
 * A path that fails a check is refused (recorded on the run), never read.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Schema } from "effect"
import { excludedBy, isOutsideScope, redactSecrets } from "../../lean/Boundary.js"
import { SessionStore } from "../../store/SessionStore.js"
import { ToolFailed, ToolRefused } from "../Gateway.js"
import { defineTool, GatewaySettings } from "./Tool.js"

const Input = Schema.Struct({
  /** The file, relative to the project root (or absolute, inside it). */
  path: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4096))
})

const Output = Schema.Struct({
  /** The file, relative to the project root. */
  path: Schema.String,
  /** The file's size on disk, in bytes. */
  bytes: Schema.Int,
  /** True when only the first part of the file was read. */
  truncated: Schema.Boolean,
  content: Schema.String,
  /** How many secrets were redacted from the content. */
  redactions: Schema.Int
})

const refuse = (reason: string) => new ToolRefused({ tool: "read_file", reason, argumentBytes: 0 })

/** Why `file` (absolute) may not be read, if it may not: outside the root, in the vault, or excluded. */
const boundaryCheck = (file: string, root: string, vaultDir: string, globs: ReadonlyArray<string>): string | undefined => {
  if (file.includes("\0")) return "the path holds a NUL character"
  if (isOutsideScope(file, root)) return "the path is outside the project root"
  if (!isOutsideScope(file, vaultDir)) return "the path is inside the vault directory"
  const glob = excludedBy(file, root, globs)
  return glob === undefined ? undefined : `the file is excluded by the capture boundary (${glob})`
}

/** Reads at most `max` bytes of an open file. */
const readPrefix = (fd: number, max: number): Buffer => {
  const buffer = Buffer.alloc(max)
  let filled = 0
  while (filled < max) {
    const n = fs.readSync(fd, buffer, filled, max - filled, filled)
    if (n === 0) break
    filled += n
  }
  return buffer.subarray(0, filled)
}

export const readFileTool = defineTool({
  name: "read_file",
  description:
    "Reads one file of the project (a path relative to the project root). Files outside the project, in the vault, or excluded by the capture boundary are refused; " +
    "large files are cut (`truncated`), and secrets are redacted.",
  writes: false,
  input: Input,
  output: Output,
  run: (input, context) =>
    Effect.gen(function* () {
      const settings = yield* GatewaySettings
      const sessions = yield* SessionStore
      // The session's own exclusions (the ones its events were captured under) and the vault's.
      // A session that is gone leaves the vault's; a store that cannot answer reads nothing.
      const sessionGlobs = yield* sessions.get(context.sessionId).pipe(
        Effect.map((s): ReadonlyArray<string> => s.boundary.excludePaths),
        Effect.catchTag("SessionNotFound", () => Effect.succeed<ReadonlyArray<string>>([])),
        Effect.mapError((failure) => new ToolFailed({ tool: "read_file", message: `the session's capture boundary could not be read: ${failure.message}` }))
      )
      const globs = [...sessionGlobs, ...settings.excludePaths]
      const root = path.resolve(settings.projectRoot)
      const vaultDir = path.resolve(settings.vaultDir)
      const named = path.resolve(root, input.path)
      const first = boundaryCheck(named, root, vaultDir, globs)
      if (first !== undefined) return yield* Effect.fail(refuse(first))

      return yield* Effect.try({
        try: () => {
          const realRoot = fs.realpathSync(root)
          const realVault = fs.existsSync(vaultDir) ? fs.realpathSync(vaultDir) : vaultDir
          const real = fs.realpathSync(named)
          const again = boundaryCheck(real, realRoot, realVault, globs)
          if (again !== undefined) return { refused: `the path resolves through a link: ${again}` } as const
          // Opened without following a link at the last step: the file checked is the file read.
          const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
          try {
            const stat = fs.fstatSync(fd)
            if (!stat.isFile()) return { refused: "the path is not a regular file" } as const
            const data = readPrefix(fd, Math.min(stat.size, settings.maxFileBytes))
            return { stat, data } as const
          } finally {
            fs.closeSync(fd)
          }
        },
        catch: (error) => new ToolFailed({ tool: "read_file", message: `the file could not be read: ${error instanceof Error ? error.message : String(error)}` })
      }).pipe(
        Effect.flatMap((read): Effect.Effect<typeof Output.Type, ToolRefused | ToolFailed> => {
          if ("refused" in read) return Effect.fail(refuse(read.refused))
          if (read.data.includes(0)) return Effect.fail(new ToolFailed({ tool: "read_file", message: "the file is binary (it holds NUL bytes)" }))
          let text = read.data.toString("utf8")
          const truncated = read.stat.size > read.data.length
          // A multi-byte character cut in half decodes as U+FFFD: drop it.
          if (truncated && text.endsWith("\uFFFD")) text = text.slice(0, -1)
          const redacted = redactSecrets(text)
          return Effect.succeed({
            path: path.relative(root, named).split(path.sep).join("/"),
            bytes: read.stat.size,
            truncated,
            content: redacted.text,
            redactions: redacted.rules.length
          })
        })
      )
    })
})
