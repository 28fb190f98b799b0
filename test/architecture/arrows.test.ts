/**
 * The arrows docs/architecture.md draws between the layers of src/, enforced: each layer may
 * import only the layers listed for it (relative imports of myco's own modules), and the
 * Effect-free layers import no package at all, but the read path better-sqlite3. A new import
 * against an arrow fails here.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const SRC = fileURLToPath(new URL("../../src", import.meta.url))

/**
 * Per top-level folder of src/: the folders it may import, and which packages: none, Effect only,
 * any, or the ones listed.
 */
const ARROWS: Readonly<
  Record<string, { readonly may: ReadonlyArray<string>; readonly packages: "none" | "effect" | "any" | ReadonlyArray<string> }>
> = {
  lean: { may: [], packages: "none" },
  read: { may: ["lean"], packages: ["better-sqlite3"] },
  actor: { may: [], packages: "effect" },
  domain: { may: ["lean"], packages: "effect" },
  agents: { may: ["lean", "domain"], packages: "none" },
  hook: { may: ["lean", "agents", "domain"], packages: "none" },
  protocol: { may: ["lean", "domain", "actor"], packages: "any" },
  store: { may: ["lean", "domain"], packages: "any" },
  vault: { may: ["lean", "domain", "agents", "store"], packages: "any" },
  session: { may: ["lean", "domain", "actor", "agents", "store", "vault", "protocol", "capture"], packages: "any" },
  capture: { may: ["lean", "domain", "actor", "agents", "store", "vault", "protocol"], packages: "any" },
  install: { may: ["lean", "domain", "agents", "vault"], packages: "any" },
  harness: { may: ["lean", "domain", "actor", "agents", "store", "vault", "protocol", "capture"], packages: "any" },
  diagnostics: { may: ["lean", "domain", "actor", "agents", "store", "vault", "protocol", "install", "session", "capture", "harness"], packages: "any" },
  daemon: { may: ["lean", "domain", "actor", "agents", "store", "vault", "protocol", "session", "capture", "diagnostics", "harness"], packages: "any" },
  cli: {
    may: ["lean", "domain", "actor", "agents", "store", "vault", "protocol", "session", "capture", "diagnostics", "install", "daemon", "harness"],
    packages: "any"
  }
}

const files = (dir: string): ReadonlyArray<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []))

/** Every import specifier of a module (static, dynamic, re-exports; type-only ones included). */
const importsOf = (file: string): ReadonlyArray<string> => {
  const text = fs.readFileSync(file, "utf8")
  const found: Array<string> = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)) if (m[1] !== undefined) found.push(m[1])
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+["']([^"']+)["']/g)) if (m[1] !== undefined) found.push(m[1])
  for (const m of text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) if (m[1] !== undefined) found.push(m[1])
  return found
}

const packageAllowed = (allowed: "none" | "effect" | "any" | ReadonlyArray<string>, spec: string): boolean => {
  if (allowed === "any") return true
  if (allowed === "none") return false
  if (allowed === "effect") return spec === "effect" || spec.startsWith("effect/")
  return allowed.some((name) => spec === name || spec.startsWith(`${name}/`))
}

const layerOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0] ?? ""

describe("the layers' arrows", () => {
  const all = files(SRC)

  it("every folder of src/ is a known layer", () => {
    const layers = new Set(all.map(layerOf))
    expect([...layers].filter((l) => !(l in ARROWS))).toEqual([])
  })

  it.each(Object.keys(ARROWS))("%s imports only what its arrows allow", (layer) => {
    const rule = ARROWS[layer]
    if (rule === undefined) throw new Error(layer)
    const violations: Array<string> = []
    for (const file of all.filter((f) => layerOf(f) === layer)) {
      for (const spec of importsOf(file)) {
        const where = `${path.relative(SRC, file)} imports ${spec}`
        if (spec.startsWith(".")) {
          const target = layerOf(path.resolve(path.dirname(file), spec))
          if (target !== layer && !rule.may.includes(target)) violations.push(where)
        } else if (spec.startsWith("node:")) {
          // Node's own modules are allowed everywhere.
        } else if (!packageAllowed(rule.packages, spec)) {
          violations.push(where)
        }
      }
    }
    expect(violations).toEqual([])
  })
})
