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

/**
 * The exclusion glob `file` matches, if any. A glob without a slash matches a file name in any
 * directory (as in .gitignore); one with a slash matches the path relative to the project root.
 */
export const excludedBy = (file: string, root: string, globs: ReadonlyArray<string>): string | undefined => {
  const absolute = path.resolve(root, file)
  const relative = path.relative(root, absolute).split(path.sep).join("/")
  const segments = relative.split("/")
  for (const glob of globs) {
    const re = globToRegExp(glob)
    if (glob.includes("/") ? re.test(relative) : segments.some((segment) => re.test(segment))) return glob
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

const byteLength = (s: string): number => Buffer.byteLength(s, "utf8")

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
        outsideScope.push({ path: where, file: v })
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

  const bounded = visit(payload, "")
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
