/** The remembered verdicts on myco.yaml texts: per build and per text, bounded, private, never followed. */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { configCacheFile, knownValidConfig, rememberValidConfig } from "../../src/lean/ConfigCache.js"
import { tempProject, type TempProject } from "../support/cli.js"

let project: TempProject
beforeEach(() => {
  project = tempProject()
})
afterEach(() => project.cleanup())

describe("the cache of valid myco.yaml texts", () => {
  it("answers for the text and build it was told, and nothing else", () => {
    const env = project.env
    expect(knownValidConfig(env, "b1", "store:\n  busy_timeout_ms: 7\n")).toBeUndefined()
    rememberValidConfig(env, "b1", "store:\n  busy_timeout_ms: 7\n", { busyTimeoutMs: 7 })
    rememberValidConfig(env, "b1", "", { busyTimeoutMs: 5000 })
    expect(knownValidConfig(env, "b1", "store:\n  busy_timeout_ms: 7\n")).toEqual({ busyTimeoutMs: 7 })
    expect(knownValidConfig(env, "b1", "")).toEqual({ busyTimeoutMs: 5000 })
    expect(knownValidConfig(env, "b2", "")).toBeUndefined()
    expect(knownValidConfig(env, "b1", "store:\n  busy_timeout_ms: 8\n")).toBeUndefined()
    const file = configCacheFile(env)
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(file, "utf8")).not.toContain("busy_timeout_ms")
  })

  it("keeps the newest entries only", () => {
    for (let i = 0; i < 40; i++) rememberValidConfig(project.env, "b", `# ${i}\n`, { busyTimeoutMs: i })
    expect(knownValidConfig(project.env, "b", "# 39\n")).toEqual({ busyTimeoutMs: 39 })
    expect(knownValidConfig(project.env, "b", "# 0\n")).toBeUndefined()
    expect(fs.statSync(configCacheFile(project.env)).size).toBeLessThan(8 * 1024)
  })

  it("trusts no planted file: a link, or a file that is not its JSON", () => {
    const file = configCacheFile(project.env)
    rememberValidConfig(project.env, "b", "", { busyTimeoutMs: 1 })
    const elsewhere = path.join(project.dir, "elsewhere.json")
    fs.renameSync(file, elsewhere)
    fs.symlinkSync(elsewhere, file)
    expect(knownValidConfig(project.env, "b", "")).toBeUndefined()
    fs.rmSync(file)
    fs.writeFileSync(file, "{not json", { mode: 0o600 })
    expect(knownValidConfig(project.env, "b", "")).toBeUndefined()
    rememberValidConfig(project.env, "b", "", { busyTimeoutMs: 2 })
    expect(knownValidConfig(project.env, "b", "")).toEqual({ busyTimeoutMs: 2 })
  })
})
