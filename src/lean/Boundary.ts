/**
 * The capture boundary (seed procedure B): what of an agent's event may be stored. Pure functions
 * over JSON values, applied to every captured payload before it is stored:
 *
 * - scope: a path outside the project root is recorded as outside-scope (its content is not
 *   kept), or the reference is dropped, per `outsideScope`;
 * - exclusions: a path matching one of `excludePaths` (e.g. `.env`, `*.pem`, `id_*`) keeps its
 *   name but never its content;
 * - secrets: provider tokens, private keys, auth headers, URL credentials, secret-named
 *   assignments and fields (lean/Secrets.ts) are replaced by `[REDACTED:<rule>]`, in values and in
 *   object keys, and each redaction is recorded;
 * - size: a string longer than `maxFieldBytes` is cut with a marker and its original size; an
 *   event still larger than `maxEventBytes` keeps only its shape.
 *
 * Every change made is reported, so that the stored event says what was withheld and why.
 *
 * Effect-free: the hook applies the same redaction before it writes anything (spool included),
 * and the supervisor applies the whole boundary before it stores.
 */
import * as path from "node:path"
import { redactKeyedValue, redactSecrets } from "./Secrets.js"

/**
 * The boundary an event is stored under: the session's (domain/Session.ts `CaptureBoundary`, of
 * the same shape), or the vault's configured one for events that name no session.
 */
export interface BoundarySettings {
  readonly root: string
  readonly outsideScope: "record" | "drop"
  readonly excludePaths: ReadonlyArray<string>
  readonly redactSecrets: boolean
  readonly maxFieldBytes: number
  readonly maxEventBytes: number
}

export { redactSecrets }

/** What the boundary did to one event. */
export interface BoundaryReport {
  readonly redactions: ReadonlyArray<{ readonly path: string; readonly rule: string }>
  readonly truncations: ReadonlyArray<{ readonly path: string; readonly originalBytes: number }>
  readonly excluded: ReadonlyArray<{ readonly path: string; readonly file: string; readonly glob: string }>
  readonly outsideScope: ReadonlyArray<{ readonly path: string; readonly file: string }>
  /** Set when the whole payload was replaced because it stayed larger than maxEventBytes. */
  readonly oversized: { readonly originalBytes: number } | null
}

/** Converts a glob (`*`, `**`, `?`) to an anchored regular expression. */
export const globToRegExp = (glob: string): RegExp => {
  let re = ""
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? ""
    if (c === "*") {
      if (glob[i + 1] === "*") {
        // `**/` matches any number of directories, including none.
        const slash = glob[i + 2] === "/"
        re += slash ? "(?:.*/)?" : ".*"
        i += slash ? 2 : 1
      } else {
        re += "[^/]*"
      }
    } else if (c === "?") {
      re += "[^/]"
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&")
    }
  }
  return new RegExp(`^${re}$`)
}

interface CompiledGlob {
  readonly glob: string
  readonly re: RegExp
  /** A glob with a slash matches a path relative to the root; one without, any path segment. */
  readonly slashed: boolean
}

const compiledGlobs = new WeakMap<ReadonlyArray<string>, ReadonlyArray<CompiledGlob>>()

/** The globs compiled once per list (a session's boundary keeps its list). */
const compile = (globs: ReadonlyArray<string>): ReadonlyArray<CompiledGlob> => {
  const cached = compiledGlobs.get(globs)
  if (cached !== undefined) return cached
  const compiled = globs.map((glob) => ({ glob, re: globToRegExp(glob), slashed: glob.includes("/") }))
  compiledGlobs.set(globs, compiled)
  return compiled
}

/**
 * The exclusion glob `file` matches, if any. A glob without a slash matches a file name in any
 * directory (as in .gitignore); one with a slash matches the path relative to the project root,
 * or, with `anywhere`, any trailing part of the path (`.aws/**` then matches
 * `~/.aws/credentials`: used for paths read out of commands and search output, whose base is
 * not known).
 */
export const excludedBy = (file: string, root: string, globs: ReadonlyArray<string>, anywhere = false): string | undefined => {
  const absolute = path.resolve(root, file)
  const relative = path.relative(root, absolute).split(path.sep).join("/")
  const segments = relative.split("/")
  for (const { glob, re, slashed } of compile(globs)) {
    if (!slashed) {
      if (segments.some((segment) => re.test(segment))) return glob
    } else if (re.test(relative)) {
      return glob
    } else if (anywhere) {
      const named = file.split("/")
      for (let i = 1; i < named.length; i++) if (re.test(named.slice(i).join("/"))) return glob
    }
  }
  return undefined
}

/** Whether `file` lies outside the project root. */
export const isOutsideScope = (file: string, root: string): boolean => {
  const relative = path.relative(root, path.resolve(root, file))
  return relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)
}

/** Keys whose string value names a file. */
const PATH_KEYS = new Set(["file_path", "filePath", "path", "notebook_path", "target_file", "file", "filename", "absolute_path"])
/** Keys whose value is the content of the file named beside it. */
const CONTENT_KEYS = new Set(["content", "contents", "new_string", "old_string", "text", "new_source", "file_text", "output", "stdout"])

/** Keys whose string value is a shell command line, for a tool whose agent records no `command`. */
const COMMAND_KEYS = new Set(["command", "cmd", "command_line", "commandLine"])

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8")

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** How much of a command line is read for the paths it names. */
const MAX_COMMAND_CHARS = 64 * 1024
/** How many values of a tool's input are looked at for paths and commands. */
const MAX_INPUT_NODES = 2048

/** The words of a command line that could name a file: split at blanks, operators, quotes, `=` and `:`. */
const commandWords = (command: string): ReadonlyArray<string> =>
  command.slice(0, MAX_COMMAND_CHARS).split(/[\s|;&<>()`'"=:,{}$]+/).filter((word) => word !== "" && word !== "-" && !word.startsWith("-"))

/** The strings of a tool's input at the given keys, at any depth (bounded, iterative). */
const stringsAt = (input: unknown, keys: ReadonlySet<string>): ReadonlyArray<string> => {
  const found: Array<string> = []
  const stack: Array<readonly [unknown, string | undefined]> = [[input, undefined]]
  let visited = 0
  while (stack.length > 0 && visited++ < MAX_INPUT_NODES) {
    const next = stack.pop()
    if (next === undefined) break
    const [value, key] = next
    if (typeof value === "string") {
      if (key !== undefined && keys.has(key)) found.push(value)
    } else if (Array.isArray(value)) {
      // An argv list under a command key is one command line; a list under a path key, many paths.
      if (key !== undefined && keys.has(key) && COMMAND_KEYS.has(key) && value.every((v) => typeof v === "string")) found.push(value.join(" "))
      else for (const item of value) stack.push([item, key])
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) stack.push([v, k])
    }
  }
  return found
}

/** What the report says of a file outside the project under `outside_scope: drop`: not its name. */
const DROPPED = "[dropped: outside the project]"

/** Why a tool call's content is withheld: the file it touches, and the rule that withholds it. */
interface Withheld {
  readonly file: string
  /** The exclusion glob, or undefined for a file outside the project. */
  readonly glob: string | undefined
  readonly marker: string
}

/**
 * A search result line that starts with a file's path (`.env:3:KEY=...`, `src/a.ts-12-...` from
 * grep and ripgrep): the path, when it looks like one (it has a `/` or a `.`).
 */
const LINE_PATH = /^([^\s:]{1,4096}?)(?::|-\d+-)/
/** A file's heading in search output: Gemini CLI's `File: <path>`. */
const HEADING = /^File: (.{1,4096}?)\s*$/
/** A line that is only a path (ripgrep's `--heading`): no blank inside, a `/` or a `.`. */
const BARE_PATH = /^\s*[^\s:]{1,4096}\s*$/
/** A numbered line under a heading: `3:...`, `3-...`, Gemini's `L3: ...`. */
const NUMBERED_LINE = /^\s*L?\d+[:-]/

/** Cuts `text` to at most `max` bytes (on a character boundary) and says what was cut. */
const truncate = (text: string, max: number): string => {
  const original = byteLength(text)
  const marker = `…[truncated by capture boundary: ${original} bytes]`
  const keep = Math.max(0, max - byteLength(marker))
  let cut = Buffer.from(text, "utf8").subarray(0, keep).toString("utf8")
  // A multi-byte character cut in half decodes as U+FFFD: drop it.
  if (cut.endsWith("\uFFFD")) cut = cut.slice(0, -1)
  return cut + marker
}

/** Applies the boundary to an event's payload. Returns the payload to store and what was done. */
export const applyBoundary = (
  boundary: BoundarySettings,
  payload: unknown
): { readonly payload: unknown; readonly report: BoundaryReport } => {
  const redactions: Array<{ path: string; rule: string }> = []
  const truncations: Array<{ path: string; originalBytes: number }> = []
  const excluded: Array<{ path: string; file: string; glob: string }> = []
  const outsideScope: Array<{ path: string; file: string }> = []

  const visitString = (value: string, at: string, key?: string): string => {
    let text = value
    if (boundary.redactSecrets) {
      const redacted = key === undefined ? redactSecrets(text) : redactKeyedValue(key, text)
      for (const rule of redacted.rules) redactions.push({ path: at, rule })
      text = redacted.text
    }
    if (byteLength(text) > boundary.maxFieldBytes) {
      truncations.push({ path: at, originalBytes: byteLength(text) })
      text = truncate(text, boundary.maxFieldBytes)
    }
    return text
  }

  /**
   * What a tool call touches decides what of the whole event may be kept: a file that is excluded
   * or outside the project withholds the tool's response, every content of its input, and every
   * content field the agent left in `extra`; a command line naming an excluded file withholds the
   * response and the content left in `extra` (the command itself is kept, redacted).
   */
  const data = isRecord(payload) && isRecord(payload["data"]) ? payload["data"] : undefined
  const tool = data !== undefined && isRecord(data["tool"]) ? data["tool"] : undefined
  let fileWithheld: Withheld | undefined
  let commandWithheld: Withheld | undefined
  const toolFiles = new Set<string>()
  if (tool !== undefined) {
    const declared = Array.isArray(tool["files"]) ? tool["files"].filter((f): f is string => typeof f === "string") : []
    for (const file of [...declared, ...stringsAt(tool["input"], PATH_KEYS)]) if (file !== "") toolFiles.add(file)
    for (const file of toolFiles) {
      if (isOutsideScope(file, boundary.root)) {
        fileWithheld ??= { file, glob: undefined, marker: "[withheld by capture boundary: outside the project]" }
        continue
      }
      const glob = excludedBy(file, boundary.root, boundary.excludePaths)
      if (glob !== undefined) {
        fileWithheld = { file, glob, marker: `[withheld by capture boundary: excluded by ${glob}]` }
        break
      }
    }
    const commands = [...(typeof tool["command"] === "string" ? [tool["command"]] : []), ...stringsAt(tool["input"], COMMAND_KEYS)]
    search: for (const command of commands) {
      for (const word of commandWords(command)) {
        const glob = excludedBy(word, boundary.root, boundary.excludePaths, true)
        if (glob !== undefined) {
          commandWithheld = { file: word, glob, marker: `[withheld by capture boundary: the command reads ${word}, excluded by ${glob}]` }
          break search
        }
      }
    }
  }
  const withheld = fileWithheld ?? commandWithheld

  /** How the report names a file outside the project: under `drop`, it does not. */
  const outsideName = (file: string): string => (boundary.outsideScope === "drop" ? DROPPED : file)

  const recordWithheld = (at: string, why: Withheld): void => {
    if (why.glob === undefined) outsideScope.push({ path: at, file: outsideName(why.file) })
    else excluded.push({ path: at, file: why.file, glob: why.glob })
  }

  /**
   * A search result's lines that come from an excluded file are withheld, one by one: lines that
   * start with the file's path (`.env:3:KEY=...`, grep's `src/a.ts-12-` context lines), and the
   * numbered lines under a file's heading (ripgrep's `--heading`, Gemini CLI's `File: .env` then
   * `L3: ...`).
   */
  const withholdLines = (text: string, at: string): string => {
    if (!text.includes("\n") && !LINE_PATH.test(text)) return text
    let changed = false
    /** The exclusion glob of the file whose heading the current lines are under. */
    let section: { readonly file: string; readonly glob: string } | undefined
    const excludedPath = (file: string): string | undefined =>
      file.includes("/") || file.includes(".") ? excludedBy(file, boundary.root, boundary.excludePaths, true) : undefined
    const withhold = (file: string, glob: string): string => {
      changed = true
      excluded.push({ path: at, file, glob })
      return `${file}: [withheld by capture boundary: excluded by ${glob}]`
    }
    const lines = text.split("\n").map((line) => {
      const heading = HEADING.exec(line)?.[1] ?? (BARE_PATH.test(line) ? line.trim() : undefined)
      if (heading !== undefined) {
        const glob = excludedPath(heading)
        section = glob === undefined ? undefined : { file: heading, glob }
        return line
      }
      if (section !== undefined && NUMBERED_LINE.test(line)) return withhold(section.file, section.glob)
      if (line.trim() === "" || line.startsWith("--")) section = undefined
      const file = LINE_PATH.exec(line)?.[1]
      const glob = file === undefined ? undefined : excludedPath(file)
      return file === undefined || glob === undefined ? line : withhold(file, glob)
    })
    return changed ? lines.join("\n") : text
  }

  /** The tool's response, with excluded files' lines withheld from search output. */
  const visitResponse = (value: unknown, at: string, depth: number): unknown => {
    if (typeof value === "string") return visitString(withholdLines(value, at), at)
    if (depth > 64) return visit(value, at)
    if (Array.isArray(value)) return value.map((v, i) => visitResponse(v, `${at}[${i}]`, depth + 1))
    if (!isRecord(value)) return value
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [boundary.redactSecrets ? redactKey(key, `${at}.${key}`) : key, visitResponse(v, `${at}.${key}`, depth + 1)]))
  }

  /** An input whose file is withheld: its paths are kept, every other text is withheld. */
  const visitWithheldInput = (value: unknown, at: string, key: string | undefined, why: Withheld): unknown => {
    if (typeof value === "string") {
      if ((key !== undefined && PATH_KEYS.has(key)) || toolFiles.has(value)) return visitString(value, at, key)
      recordWithheld(at, why)
      return why.marker
    }
    if (Array.isArray(value)) return value.map((v, i) => visitWithheldInput(v, `${at}[${i}]`, key, why))
    if (!isRecord(value)) return value
    return Object.fromEntries(
      Object.entries(value).flatMap(([k, v]): Array<[string, unknown]> => {
        // Under `outside_scope: drop`, a reference to a file outside the project is not kept at all.
        if (boundary.outsideScope === "drop" && PATH_KEYS.has(k) && typeof v === "string" && isOutsideScope(v, boundary.root)) return []
        return [[boundary.redactSecrets ? redactKey(k, `${at}.${k}`) : k, visitWithheldInput(v, `${at}.${k}`, k, why)]]
      })
    )
  }

  /** What the agent left in `extra` beside a withheld tool call: its content fields are withheld, at any depth. */
  const visitWithheldExtra = (value: unknown, at: string, why: Withheld): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => visitWithheldExtra(v, `${at}[${i}]`, why))
    if (!isRecord(value)) return visit(value, at)
    return Object.fromEntries(
      Object.entries(value).map(([key, v]) => {
        const where = `${at}.${key}`
        const safeKey = boundary.redactSecrets ? redactKey(key, where) : key
        if (CONTENT_KEYS.has(key) && v !== null && v !== undefined && typeof v !== "number" && typeof v !== "boolean") {
          recordWithheld(where, why)
          return [safeKey, why.marker]
        }
        return [safeKey, visitWithheldExtra(v, where, why)]
      })
    )
  }

  const redactKey = (key: string, at: string): string => {
    const redacted = redactSecrets(key)
    for (const rule of redacted.rules) redactions.push({ path: at, rule })
    return redacted.text
  }

  const visit = (value: unknown, at: string): unknown => {
    if (typeof value === "string") return visitString(value, at)
    if (Array.isArray(value)) return value.map((v, i) => visit(v, `${at}[${i}]`))
    if (typeof value !== "object" || value === null) return value
    const entries = Object.entries(value)
    // A file this object is about decides what happens to the content beside it.
    let withhold: string | undefined
    let drop = false
    for (const [key, v] of entries) {
      if (!PATH_KEYS.has(key) || typeof v !== "string" || v === "") continue
      const where = at === "" ? key : `${at}.${key}`
      if (isOutsideScope(v, boundary.root)) {
        outsideScope.push({ path: where, file: outsideName(v) })
        if (boundary.outsideScope === "drop") drop = true
        else withhold = "[withheld by capture boundary: outside the project]"
      } else {
        const glob = excludedBy(v, boundary.root, boundary.excludePaths)
        if (glob !== undefined) {
          excluded.push({ path: where, file: v, glob })
          withhold = `[withheld by capture boundary: excluded by ${glob}]`
        }
      }
    }
    // Built with fromEntries, not assignment, so that a key named `__proto__` stays a key.
    const out: Array<[string, unknown]> = []
    for (const [key, v] of entries) {
      const where = at === "" ? key : `${at}.${key}`
      if (drop && (PATH_KEYS.has(key) || CONTENT_KEYS.has(key))) continue
      // A secret used as a key is redacted as a key: the stored object never names it.
      const safeKey = boundary.redactSecrets ? redactKey(key, where) : key
      out.push([safeKey, withhold !== undefined && CONTENT_KEYS.has(key) ? withhold : typeof v === "string" ? visitString(v, where, key) : visit(v, where)])
    }
    return Object.fromEntries(out)
  }

  /** The event's tool, with what it touches deciding what is kept. */
  const visitTool = (value: Readonly<Record<string, unknown>>, at: string): unknown =>
    Object.fromEntries(
      Object.entries(value).flatMap(([key, v]): Array<[string, unknown]> => {
        const where = `${at}.${key}`
        const safeKey = boundary.redactSecrets ? redactKey(key, where) : key
        if (key === "response") {
          if (withheld === undefined) return [[safeKey, visitResponse(v, where, 0)]]
          if (fileWithheld?.glob === undefined && fileWithheld !== undefined && boundary.outsideScope === "drop") {
            recordWithheld(where, fileWithheld)
            return []
          }
          recordWithheld(where, withheld)
          return [[safeKey, withheld.marker]]
        }
        if (key === "input" && fileWithheld !== undefined) return [[safeKey, visitWithheldInput(v, where, undefined, fileWithheld)]]
        // A command line beside a withheld file may carry its content (a patch): withheld too.
        if (key === "command" && fileWithheld !== undefined && typeof v === "string") {
          recordWithheld(where, fileWithheld)
          return [[safeKey, fileWithheld.marker]]
        }
        if (key === "files" && boundary.outsideScope === "drop" && Array.isArray(v)) {
          return [[safeKey, visit(v.filter((file) => typeof file !== "string" || !isOutsideScope(file, boundary.root)), where)]]
        }
        return [[safeKey, visit(v, where)]]
      })
    )

  const visitTop = (value: unknown): unknown => {
    if (tool === undefined || data === undefined || !isRecord(value)) return visit(value, "")
    return Object.fromEntries(
      Object.entries(value).map(([key, v]): [string, unknown] => {
        const safeKey = boundary.redactSecrets ? redactKey(key, key) : key
        if (key === "data" && isRecord(v)) {
          return [
            safeKey,
            Object.fromEntries(Object.entries(v).map(([k, d]): [string, unknown] => {
              const where = `data.${k}`
              const safe = boundary.redactSecrets ? redactKey(k, where) : k
              return [safe, k === "tool" && isRecord(d) ? visitTool(d, where) : visit(d, where)]
            }))
          ]
        }
        if (key === "extra" && withheld !== undefined) return [safeKey, visitWithheldExtra(v, key, withheld)]
        return [safeKey, visit(v, key)]
      })
    )
  }

  const bounded = visitTop(payload)
  const size = byteLength(JSON.stringify(bounded) ?? "null")
  const oversized = size > boundary.maxEventBytes ? { originalBytes: size } : null
  return {
    payload: oversized === null ? bounded : { withheld: `[withheld by capture boundary: event of ${size} bytes]` },
    report: { redactions, truncations, excluded, outsideScope, oversized }
  }
}

/** Whether the boundary changed anything. */
export const boundaryTouched = (report: BoundaryReport): boolean =>
  report.redactions.length + report.truncations.length + report.excluded.length + report.outsideScope.length > 0 ||
  report.oversized !== null

/**
 * The payload to store: bounded, and, when the boundary changed anything, carrying its report under
 * `boundary`, so that the stored event says what was withheld and why.
 */
export const boundedPayload = (boundary: BoundarySettings, payload: unknown): unknown => {
  const bounded = applyBoundary(boundary, payload)
  if (!boundaryTouched(bounded.report)) return bounded.payload
  return typeof bounded.payload === "object" && bounded.payload !== null && !Array.isArray(bounded.payload)
    ? { ...bounded.payload, boundary: bounded.report }
    : { value: bounded.payload, boundary: bounded.report }
}

/**
 * What the hook does before anything leaves it (socket or spool): the secrets of `payload`
 * redacted, in values and keys, by the same rules as the boundary. Paths, exclusions and sizes
 * are the supervisor's to apply, with the session's boundary; what is redacted here stays
 * redacted there (redaction is idempotent). Returns the payload and how many secrets it held.
 */
export const redactPayload = (payload: unknown): { readonly payload: unknown; readonly redactions: number } => {
  let redactions = 0
  const text = (value: string, key?: string): string => {
    const redacted = key === undefined ? redactSecrets(value) : redactKeyedValue(key, value)
    redactions += redacted.rules.length
    return redacted.text
  }
  const visit = (value: unknown): unknown => {
    if (typeof value === "string") return text(value)
    if (Array.isArray(value)) return value.map(visit)
    if (typeof value !== "object" || value === null) return value
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [text(key), typeof v === "string" ? text(v, key) : visit(v)]))
  }
  const out = visit(payload)
  return { payload: out, redactions }
}
