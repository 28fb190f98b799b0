import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { closestKey, defaultConfig, parseConfig } from "../../src/vault/Config.js"
import { EXAMPLE_CONFIG } from "../../src/vault/ConfigExample.js"
import { repoRoot } from "../support/cli.js"

const problems = (text: string): string => {
  const result = parseConfig(text, "myco.yaml")
  if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(text)} to be rejected`)
  expect(result.left._tag).toBe("ConfigError")
  expect(result.left.fix).toBe("myco doctor")
  return result.left.message
}

describe("myco.yaml", () => {
  it("the example at the repository root is the text init writes, and it documents exactly the defaults", () => {
    expect(fs.readFileSync(path.join(repoRoot, "myco.yaml.example"), "utf8")).toBe(EXAMPLE_CONFIG)
    expect(parseConfig(EXAMPLE_CONFIG, "example")).toEqual(Either.right(defaultConfig))
  })

  it("an empty file, or a null document, gives every default", () => {
    expect(parseConfig("", "f")).toEqual(Either.right(defaultConfig))
    expect(parseConfig("# nothing\n", "f")).toEqual(Either.right(defaultConfig))
  })

  it("a partial section keeps the defaults of the keys it does not set", () => {
    const result = Either.getOrThrow(parseConfig("capture:\n  max_field_bytes: 1024\n", "f"))
    expect(result.capture.max_field_bytes).toBe(1024)
    expect(result.capture.max_event_bytes).toBe(defaultConfig.capture.max_event_bytes)
    expect(result.capture.exclude_paths).toEqual(defaultConfig.capture.exclude_paths)
    expect(result.store).toEqual(defaultConfig.store)
  })

  it("an unknown key is reported with the closest valid key", () => {
    expect(problems("agents:\n  allowd: [cli]\n")).toContain("agents.allowd: unknown key; did you mean agents.allowed?")
    expect(problems("captur:\n  redact_secrets: true\n")).toContain("captur: unknown key; did you mean capture?")
    expect(problems("zzz: 1\n")).toMatch(/zzz: unknown key \(valid keys at the top level: version, agents, sessions, capture, store, daemon, harness\)/)
  })

  it("an invalid value names its path, what was expected and what was found", () => {
    expect(problems("capture:\n  max_field_bytes: lots\n")).toContain(
      'capture.max_field_bytes: expected an integer from 256 to 16777216, found "lots"'
    )
    expect(problems("capture:\n  redact_secrets: 3\n")).toContain("capture.redact_secrets: expected true or false, found 3")
    expect(problems("capture:\n  outside_scope: ignore\n")).toContain(
      'capture.outside_scope: expected record or drop, found "ignore"'
    )
    expect(problems("agents:\n  allowed: [Claude Code]\n")).toContain(
      'agents.allowed.0: expected an agent name (a-z, 0-9, -), found "Claude Code"'
    )
    expect(problems("store: 4\n")).toContain("store: expected a mapping of keys, found 4")
    expect(problems("version: 2\n")).toContain("version: expected 1")
  })

  it("reports every problem at once", () => {
    const message = problems("captur: {}\nstore:\n  retry_attempts: -1\nsessions:\n  capture: maybe\n")
    expect(message).toContain("captur: unknown key")
    expect(message).toContain("store.retry_attempts: expected an integer from 0 to 100, found -1")
    expect(message).toContain('sessions.capture: expected true or false, found "maybe"')
  })

  it("YAML syntax errors give a line and column; a top level that is not a mapping is named", () => {
    expect(problems("agents:\n  allowed: [cli\n")).toMatch(/line \d+, column \d+/)
    expect(problems("- a\n- b\n")).toContain("expected a mapping of keys at the top level, found a list")
    expect(problems("a: 1\na: 2\n")).toMatch(/line 2/)
  })

  it("reads durations with units and refuses anything else", () => {
    const read = (text: string) => Either.getOrThrow(parseConfig(`sessions:\n  idle_timeout: ${text}\n`, "f")).sessions.idle_timeout
    expect(read("250ms")).toBe(250)
    expect(read("30s")).toBe(30_000)
    expect(read("15m")).toBe(900_000)
    expect(read("2h")).toBe(7_200_000)
    expect(read("7d")).toBe(604_800_000)
    expect(read("0")).toBe(0)
    expect(problems("sessions:\n  idle_timeout: soon\n")).toContain(
      'sessions.idle_timeout: expected a duration such as 250ms, 30s, 15m, 2h or 7d (0 for never), found "soon"'
    )
    expect(problems("sessions:\n  idle_timeout: 10\n")).toContain("sessions.idle_timeout: expected a duration")
  })

  it("suggests only close keys", () => {
    expect(closestKey("alowed", ["allowed", "version"])).toBe("allowed")
    expect(closestKey("completely-different", ["allowed", "version"])).toBeUndefined()
  })
})
