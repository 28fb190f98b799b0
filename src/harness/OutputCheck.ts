/**
 * Checks a value against the task's output JSON Schema, for the runtimes that must tell a model
 * what is wrong with its answer so that it can answer again. It covers the subset of JSON Schema
 * tasks use: `type` (one or a list), `enum`, `const`, `properties`, `required`,
 * `additionalProperties: false`, `items`, `minItems`/`maxItems`, `minLength`/`maxLength`,
 * `minimum`/`maximum`, `anyOf`/`oneOf`/`allOf`. Keywords outside it are not checked (the caller
 * decodes the output again with its own Schema). Bounded: at most 20 problems, depth 64.
 */

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

const typeOf = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value === "number" ? (Number.isInteger(value) ? "integer" : "number") : typeof value

const matchesType = (value: unknown, type: string): boolean => {
  const actual = typeOf(value)
  return actual === type || (type === "number" && actual === "integer")
}

/** The problems of `value` against `schema`, in words (`$.title: expected string, found number`); empty when it conforms. */
export const checkOutput = (schema: unknown, value: unknown): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const visit = (s: unknown, v: unknown, at: string, depth: number): void => {
    if (problems.length >= 20 || depth > 64 || !isRecord(s)) return
    const fail = (what: string): void => void problems.push(`${at}: ${what}`)
    const type = s["type"]
    const types = typeof type === "string" ? [type] : Array.isArray(type) ? type.filter((t): t is string => typeof t === "string") : []
    if (types.length > 0 && !types.some((t) => matchesType(v, t))) return fail(`expected ${types.join(" or ")}, found ${typeOf(v)}`)
    if (Array.isArray(s["enum"]) && !s["enum"].some((e) => JSON.stringify(e) === JSON.stringify(v))) return fail(`expected one of ${JSON.stringify(s["enum"]).slice(0, 200)}`)
    if ("const" in s && JSON.stringify(s["const"]) !== JSON.stringify(v)) return fail(`expected ${JSON.stringify(s["const"]).slice(0, 200)}`)
    if (typeof v === "string") {
      if (typeof s["minLength"] === "number" && v.length < s["minLength"]) fail(`shorter than ${s["minLength"]} characters`)
      if (typeof s["maxLength"] === "number" && v.length > s["maxLength"]) fail(`longer than ${s["maxLength"]} characters`)
    }
    if (typeof v === "number") {
      if (typeof s["minimum"] === "number" && v < s["minimum"]) fail(`below the minimum ${s["minimum"]}`)
      if (typeof s["maximum"] === "number" && v > s["maximum"]) fail(`above the maximum ${s["maximum"]}`)
    }
    if (Array.isArray(v)) {
      if (typeof s["minItems"] === "number" && v.length < s["minItems"]) fail(`fewer than ${s["minItems"]} items`)
      if (typeof s["maxItems"] === "number" && v.length > s["maxItems"]) fail(`more than ${s["maxItems"]} items`)
      if (isRecord(s["items"])) v.slice(0, 1000).forEach((item, i) => visit(s["items"], item, `${at}[${i}]`, depth + 1))
    }
    if (isRecord(v)) {
      const properties = isRecord(s["properties"]) ? s["properties"] : {}
      if (Array.isArray(s["required"])) for (const key of s["required"]) if (typeof key === "string" && !(key in v)) fail(`missing required property ${JSON.stringify(key)}`)
      for (const [key, item] of Object.entries(v)) {
        if (key in properties) visit(properties[key], item, `${at}.${key}`, depth + 1)
        else if (s["additionalProperties"] === false) fail(`unexpected property ${JSON.stringify(key.slice(0, 100))}`)
        else if (isRecord(s["additionalProperties"])) visit(s["additionalProperties"], item, `${at}.${key}`, depth + 1)
      }
    }
    const passes = (sub: unknown): boolean => checkOutput(sub, v).length === 0
    if (Array.isArray(s["anyOf"]) && !s["anyOf"].some(passes)) fail("matches none of anyOf")
    if (Array.isArray(s["oneOf"]) && s["oneOf"].filter(passes).length !== 1) fail("does not match exactly one of oneOf")
    if (Array.isArray(s["allOf"])) for (const sub of s["allOf"]) visit(sub, v, at, depth + 1)
  }
  visit(schema, value, "$", 0)
  return problems
}

/**
 * The JSON document a model answered with: the whole text, or the one fenced ```json block in
 * it, or the text from its first `{` to its last `}`; not ok when none of them parses.
 */
export const parseAnswer = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  const candidates = [text.trim()]
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n?```/.exec(text)
  if (fenced?.[1] !== undefined) candidates.push(fenced[1].trim())
  const start = text.indexOf("{")
  const end = text.lastIndexOf("}")
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1))
  for (const candidate of candidates) {
    if (candidate === "") continue
    try {
      return { ok: true, value: JSON.parse(candidate) }
    } catch {
      // try the next reading
    }
  }
  return { ok: false }
}
