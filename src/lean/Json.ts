/**
 * Bounded JSON: every JSON text myco takes from outside (socket frames, hook stdin, spool files,
 * agents' config files) goes through here before `JSON.parse` and before any schema decoding.
 *
 * `JSON.parse` itself copes with deep nesting, but what comes after it does not: schema decoding,
 * error formatting, `JSON.stringify`, structural equality all recurse once per level, and a 5 KB
 * line of 2,500 `[` was enough to overflow the daemon's stack while it formatted the decode error.
 * So the nesting depth is measured first, by an iterative scanner that never recurses and stops as
 * soon as the limit is passed, and the text is refused before anything recursive sees it. Error
 * messages are cut to a bounded length as well, since they quote the input.
 *
 * Effect-free, and imports only Node's own modules: the hook binary bundles it and must start in
 * milliseconds.
 */
import { Buffer } from "node:buffer"

/**
 * The default nesting limit for JSON from outside. Agents' payloads legitimately nest some 20-30
 * levels (tool inputs carrying JSON documents, which carry their own structure); 128 leaves four
 * times that, yet stays twenty times below the ~2,500 levels at which recursive decoding and error
 * formatting were seen to overflow the default stack.
 */
export const DEFAULT_MAX_JSON_DEPTH = 128

/** The default length, in UTF-16 code units, of an error message quoting outside input. */
export const DEFAULT_MAX_MESSAGE_CHARS = 200

const QUOTE = 0x22 // "
const BACKSLASH = 0x5c // \
const OPEN_BRACKET = 0x5b // [
const CLOSE_BRACKET = 0x5d // ]
const OPEN_BRACE = 0x7b // {
const CLOSE_BRACE = 0x7d // }

/**
 * The maximum nesting depth of a JSON text: 0 for a scalar, 1 for `[]` or `{"a":"[[["}`, and so on.
 * Iterative, a single pass, and it stops as soon as the depth exceeds `limit`, returning `limit + 1`:
 * the result is `min(depth, limit + 1)`. Brackets inside strings (with their `\"` and `\\`
 * escapes) are skipped. It does not validate: on text that is not JSON it counts every bracket
 * outside strings, never going below 0 on a stray closer (so it can only overestimate), and an
 * unterminated string runs to the end of the text.
 */
export const jsonDepth = (text: string, limit: number): number => {
  const length = text.length
  let depth = 0
  let max = 0
  let i = 0
  while (i < length) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      // Jump to the closing quote: the next quote preceded by an even run of backslashes. Each run
      // is counted once (it lies between two quotes), so this stays linear in the text.
      let end = text.indexOf("\"", i + 1)
      while (end !== -1) {
        let backslashes = 0
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++
        if (backslashes % 2 === 0) break
        end = text.indexOf("\"", end + 1)
      }
      if (end === -1) return max
      i = end + 1
      continue
    }
    if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth++
      if (depth > max) {
        max = depth
        if (max > limit) return max
      }
    } else if ((c === CLOSE_BRACKET || c === CLOSE_BRACE) && depth > 0) {
      depth--
    }
    i++
  }
  return max
}

/** The result of {@link parseJsonBounded}: the value, or why the text was refused. */
export type JsonParse =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: "too-deep" | "too-large" | "not-json"; readonly message: string }

/** Limits for {@link parseJsonBounded}. */
export type JsonLimits = {
  /** The deepest nesting accepted (see {@link jsonDepth}); {@link DEFAULT_MAX_JSON_DEPTH} is a sensible choice. */
  readonly maxDepth: number
  /** The largest text accepted, in UTF-8 bytes. */
  readonly maxBytes?: number
}

/**
 * Parses JSON from outside within limits: size first (cheaply: the UTF-8 length is computed only
 * when the UTF-16 length cannot decide), then depth, then `JSON.parse`. Never throws; the message
 * of a refusal is bounded to {@link DEFAULT_MAX_MESSAGE_CHARS} and has its control characters
 * escaped, since it may quote the input.
 */
export const parseJsonBounded = (text: string, options: JsonLimits): JsonParse => {
  const { maxBytes, maxDepth } = options
  if (maxBytes !== undefined && exceedsUtf8Bytes(text, maxBytes)) {
    return { ok: false, reason: "too-large", message: `JSON text is larger than ${maxBytes} bytes` }
  }
  if (jsonDepth(text, maxDepth) > maxDepth) {
    return { ok: false, reason: "too-deep", message: `JSON text nests deeper than ${maxDepth} levels` }
  }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    // JSON.parse throws a SyntaxError (or a RangeError when out of memory): both are refusals.
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, reason: "not-json", message: boundedText(escapeControls(message), DEFAULT_MAX_MESSAGE_CHARS) }
  }
}

/** Whether `text` encodes to more than `maxBytes` UTF-8 bytes. A code unit is 1 to 3 bytes. */
const exceedsUtf8Bytes = (text: string, maxBytes: number): boolean => {
  if (text.length > maxBytes) return true
  if (text.length * 3 <= maxBytes) return false
  return Buffer.byteLength(text, "utf8") > maxBytes
}

// C0 and C1 control characters, and the line/paragraph separators: kept out of log lines.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

const escapeControls = (text: string): string =>
  text.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * `text` cut to at most `maxChars` UTF-16 code units, ending with `…` when cut. Never splits a
 * surrogate pair, and costs O(maxChars) however long the text. For error messages and formatted
 * output that may quote outside input.
 */
export const boundedText = (text: string, maxChars: number): string => {
  if (text.length <= maxChars) return text
  if (!(maxChars >= 1)) return ""
  let end = Math.floor(maxChars) - 1
  const last = text.charCodeAt(end - 1)
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--
  return `${text.slice(0, end)}…`
}

/** What {@link truncateDeep} puts in place of a subtree nested deeper than the limit. */
export const truncatedMarker = (maxDepth: number): string => `[truncated: nested deeper than ${maxDepth}]`

/** What {@link truncateDeep} puts in place of a reference to one of a value's own ancestors. */
export const CIRCULAR_MARKER = "[circular]"

type Container = Array<unknown> | Record<string, unknown>

type Frame = {
  readonly keys: ReadonlyArray<string> | undefined // undefined: an array, walked by index
  readonly count: number
  readonly source: object
  readonly target: Container
  readonly depth: number
  next: number
}

const isContainer = (value: unknown): value is object => typeof value === "object" && value !== null

/**
 * A copy of a JSON-like value in which every array or object nested deeper than `maxDepth`
 * (counted as {@link jsonDepth} does: the outermost container is at depth 1) is replaced by
 * {@link truncatedMarker}, so that the result is safe to hand to recursive code. Iterative.
 * Objects are copied by their own enumerable string keys (an own `__proto__` key stays a plain
 * key); a reference to an ancestor becomes {@link CIRCULAR_MARKER}. Scalars are kept as they are.
 */
export const truncateDeep = (value: unknown, maxDepth: number): unknown => {
  if (!isContainer(value)) return value
  const marker = truncatedMarker(maxDepth)
  if (maxDepth < 1) return marker
  const onPath = new Set<object>()
  const stack: Array<Frame> = []
  const open = (source: object, depth: number): Container => {
    const keys = Array.isArray(source) ? undefined : Object.keys(source)
    const count = Array.isArray(source) ? source.length : (keys?.length ?? 0)
    const target: Container = Array.isArray(source) ? [] : {}
    stack.push({ keys, count, source, target, depth, next: 0 })
    onPath.add(source)
    return target
  }
  const root = open(value, 1)
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]
    if (frame === undefined) break
    const { keys, source } = frame
    if (frame.next >= frame.count) {
      stack.pop()
      onPath.delete(source)
      continue
    }
    const index = frame.next++
    const key = keys === undefined ? index : keys[index]
    if (key === undefined) continue
    const child: unknown = Reflect.get(source, key)
    let copy: unknown = child
    if (isContainer(child)) {
      if (onPath.has(child)) copy = CIRCULAR_MARKER
      else if (frame.depth + 1 > maxDepth) copy = marker
      else copy = open(child, frame.depth + 1)
    }
    Object.defineProperty(frame.target, key, { value: copy, enumerable: true, writable: true, configurable: true })
  }
  return root
}
