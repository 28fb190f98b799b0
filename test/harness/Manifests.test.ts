/**
 * Manifests: validation with myco.yaml's error quality (path, expected, found, closest key),
 * property-style over bad inputs (every bad value of every key is reported at its own path, and
 * never throws); defaults from myco.yaml; discovery on a real directory: links, oversized files,
 * too many files and duplicate names are reported, never followed or fatal to the others.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Either } from "effect"
import fc from "fast-check"
import { afterEach, describe, expect, it } from "vitest"
import { BUILTIN_HARNESS, discoverManifests, MAX_MANIFEST_BYTES, MAX_MANIFEST_FILES, parseManifest } from "../../src/harness/Manifests.js"
import { defaultConfig, parseConfig } from "../../src/vault/Config.js"

const problems = (text: string): ReadonlyArray<string> => {
  const parsed = parseManifest(text, ".agents/harnesses/h.yaml", defaultConfig)
  return Either.isLeft(parsed) ? parsed.left : []
}
const valid = (text: string) => {
  const parsed = parseManifest(text, ".agents/harnesses/h.yaml", defaultConfig)
  if (Either.isLeft(parsed)) throw new Error(parsed.left.join("\n"))
  return parsed.right
}

describe("manifest validation", () => {
  it("a minimal manifest gets its name from the file and every default from myco.yaml", () => {
    const m = valid("runtime: process\ncapabilities: [extract]\nprocess:\n  command: [python3, h.py]\n")
    expect(m).toMatchObject({
      name: "h",
      runtime: "process",
      concurrency: 1,
      limits: { timeout: 300_000, memory: 512 * 1024 * 1024, output: 1024 * 1024, turns: 20, tokens: 200_000 },
      tools: { allow: [], read_only: true },
      circuit: { failures: 3, cooldown: 300_000 },
      env: { pass: [] },
      source: ".agents/harnesses/h.yaml"
    })
    expect(m["claude-code"]).toBeUndefined()
    const l = valid("name: local\nruntime: llm\ncapabilities: [digest]\nlimits:\n  timeout: 90s\nllm:\n  provider: ollama\n  model: qwen3\n")
    expect(l).toMatchObject({ name: "local", limits: { timeout: 90_000, memory: 0 }, llm: { provider: "ollama", model: "qwen3" } })
    expect(valid("runtime: claude-code\ncapabilities: [digest]\n")["claude-code"]).toEqual({ binary: "claude" })
  })

  it("sizes and durations use myco.yaml's notation", () => {
    const m = valid("runtime: process\ncapabilities: [x]\nprocess: {command: [a]}\nlimits: {memory: 64KiB, output: 2MiB, timeout: 250ms}\n")
    expect(m.limits).toMatchObject({ memory: 65_536, output: 2 * 1024 * 1024, timeout: 250 })
    expect(problems("runtime: process\ncapabilities: [x]\nprocess: {command: [a]}\nlimits: {memory: lots}\n")).toEqual([
      'limits.memory: expected a size such as 64KiB, 512MiB or 2GiB (or a number of bytes), found "lots"'
    ])
  })

  it("unknown keys with the closest valid key, at every level", () => {
    expect(problems("runtime: builtin\ncapabilites: [x]\n")).toContain("capabilites: unknown key; did you mean capabilities?")
    expect(problems("runtime: llm\ncapabilities: [x]\nllm: {provider: openai, model: m, baseurl: http://x}\n")).toContain("llm.baseurl: unknown key; did you mean llm.base_url?")
    expect(problems("runtime: process\ncapabilities: [x]\nprocess: {command: [a]}\nlimits: {timeuot: 1s}\n")).toContain("limits.timeuot: unknown key; did you mean limits.timeout?")
  })

  it("what is missing, what belongs to another runtime, and what the runtime needs", () => {
    expect(problems("name: x\n")).toEqual([
      "runtime: missing (one of builtin, process, llm, claude-code)",
      "capabilities: missing (the task kinds it serves, e.g. [title-summary])"
    ])
    expect(problems("runtime: process\ncapabilities: [x]\n")).toEqual(["process.command: missing (the argv of the executable, e.g. [python3, harness.py])"])
    expect(problems("runtime: builtin\ncapabilities: [x]\nprocess: {command: [a]}\n")).toEqual(["process: only for runtime process (this harness's runtime is builtin)"])
    expect(problems("runtime: llm\ncapabilities: [x]\nllm: {provider: openai-compatible, model: m}\n")).toEqual([
      "llm.base_url: missing (an openai-compatible provider needs the URL of its server)"
    ])
    expect(problems("runtime: docker\ncapabilities: [x]\n")).toEqual(['runtime: expected one of builtin, process, llm, claude-code, found "docker"'])
    expect(problems("- a\n- b\n")).toEqual(["expected a mapping of keys at the top level, found a list"])
    expect(problems("runtime: [unclosed\n")[0]).toMatch(/^line \d+, column \d+: /)
  })

  const keys: ReadonlyArray<readonly [string, string]> = [
    ["concurrency", "concurrency"],
    ["limits:\n  timeout", "limits.timeout"],
    ["limits:\n  memory", "limits.memory"],
    ["limits:\n  output", "limits.output"],
    ["limits:\n  turns", "limits.turns"],
    ["limits:\n  tokens", "limits.tokens"],
    ["circuit:\n  failures", "circuit.failures"],
    ["circuit:\n  cooldown", "circuit.cooldown"],
    ["tools:\n  read_only", "tools.read_only"]
  ]
  const badValue = fc.oneof(
    fc.constantFrom("lots", "-1", "1.5", "[1]", "{a: 1}", "999999999999999999999", "5 parsecs"),
    fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /^[a-z]+$/.test(s) && !["true", "false", "yes", "no", "on", "off", "null"].includes(s))
  )

  it("any bad value of any key is reported at its path, with what was expected and what was found (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...keys), badValue, ([key, at], value) => {
        const found = problems(`runtime: process\ncapabilities: [x]\nprocess: {command: [a]}\n${key}: ${value}\n`)
        expect(found.length).toBeGreaterThan(0)
        for (const p of found) expect(p).toMatch(new RegExp(`^${at.replace(".", "\\.")}: expected .+, found .+`))
      }),
      { numRuns: 200 }
    )
  })

  it("never throws, whatever the text (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        expect(() => parseManifest(text, "h.yaml", defaultConfig)).not.toThrow()
      }),
      { numRuns: 300 }
    )
  })

  it("myco.yaml's harness section: defaults, preference by capability, bad values reported", () => {
    const parsed = parseConfig("harness:\n  memory_budget: 1GiB\n  preference:\n    title-summary: [local, builtin]\n", "myco.yaml")
    expect(Either.isRight(parsed) && parsed.right.harness).toMatchObject({ memory_budget: 1024 ** 3, max_concurrent: 2, preference: { "title-summary": ["local", "builtin"] } })
    const bad = parseConfig("harness:\n  max_concurent: 3\n  memory_budget: big\n", "myco.yaml")
    expect(Either.isLeft(bad) && bad.left.message).toContain("harness.max_concurent: unknown key; did you mean harness.max_concurrent?")
    expect(Either.isLeft(bad) && bad.left.message).toContain('harness.memory_budget: expected a size such as 64KiB, 512MiB or 2GiB (or a number of bytes), found "big"')
  })
})

describe("discovery", () => {
  const dirs: Array<string> = []
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
  })
  const project = () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-manifests-")))
    dirs.push(root)
    const dir = path.join(root, ".agents", "harnesses")
    fs.mkdirSync(dir, { recursive: true })
    return { root, dir }
  }
  const good = "runtime: process\ncapabilities: [extract]\nprocess: {command: [python3, h.py]}\n"

  it("no directory: only the built-in harness", () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-manifests-")))
    dirs.push(root)
    const { entries } = discoverManifests(root, defaultConfig)
    expect(entries.map((e) => e._tag === "Valid" && e.manifest.name)).toEqual([BUILTIN_HARNESS])
  })

  it("valid and invalid manifests side by side: an invalid one does not stop the others", () => {
    const { root, dir } = project()
    fs.writeFileSync(path.join(dir, "a.yaml"), good)
    fs.writeFileSync(path.join(dir, "b.yml"), "runtime: nope\n")
    fs.writeFileSync(path.join(dir, "notes.txt"), "ignored")
    const { entries } = discoverManifests(root, defaultConfig)
    expect(entries.map((e) => [e._tag, e._tag === "Valid" ? e.manifest.name : e.name])).toEqual([
      ["Valid", "builtin"],
      ["Valid", "a"],
      ["Invalid", "b"]
    ])
  })

  it("a symbolic link, an oversized file and a duplicate name are refused, each with why", () => {
    const { root, dir } = project()
    const outside = path.join(root, "elsewhere.yaml")
    fs.writeFileSync(outside, good)
    fs.symlinkSync(outside, path.join(dir, "linked.yaml"))
    fs.writeFileSync(path.join(dir, "huge.yaml"), `${good}# ${"x".repeat(MAX_MANIFEST_BYTES)}\n`)
    fs.writeFileSync(path.join(dir, "one.yaml"), `name: same\n${good}`)
    fs.writeFileSync(path.join(dir, "two.yaml"), `name: same\n${good}`)
    fs.writeFileSync(path.join(dir, "builtin2.yaml"), `name: builtin\n${good}`)
    const { entries } = discoverManifests(root, defaultConfig)
    const invalid = Object.fromEntries(entries.flatMap((e) => (e._tag === "Invalid" ? [[e.source, e.problems[0]]] : [])))
    expect(invalid).toEqual({
      ".agents/harnesses/builtin2.yaml": "name: builtin is taken (built in): give this harness another name",
      ".agents/harnesses/huge.yaml": `.agents/harnesses/huge.yaml is larger than ${MAX_MANIFEST_BYTES} bytes`,
      ".agents/harnesses/linked.yaml": ".agents/harnesses/linked.yaml is a symbolic link: manifests are never followed through links",
      ".agents/harnesses/two.yaml": "name: same is taken (.agents/harnesses/one.yaml): give this harness another name"
    })
  })

  it("the directory itself as a link is refused; past the file limit the rest are reported, not read", () => {
    const { root, dir } = project()
    for (let i = 0; i < MAX_MANIFEST_FILES + 2; i++) fs.writeFileSync(path.join(dir, `h${String(i).padStart(3, "0")}.yaml`), good)
    const { entries } = discoverManifests(root, defaultConfig)
    expect(entries.filter((e) => e._tag === "Valid")).toHaveLength(MAX_MANIFEST_FILES + 1)
    expect(entries.filter((e) => e._tag === "Invalid").map((e) => e._tag === "Invalid" && e.problems[0])).toEqual([
      `more than ${MAX_MANIFEST_FILES} manifests in .agents/harnesses: this one was not read`,
      `more than ${MAX_MANIFEST_FILES} manifests in .agents/harnesses: this one was not read`
    ])
    const other = project()
    fs.rmSync(other.dir, { recursive: true })
    fs.symlinkSync(dir, other.dir)
    const linked = discoverManifests(other.root, defaultConfig).entries
    expect(linked.map((e) => e._tag)).toEqual(["Valid", "Invalid"])
    expect(linked[1]?._tag === "Invalid" && linked[1].problems[0]).toBe(".agents/harnesses is a symbolic link: manifests are read from a real directory only")
  })
})
