/**
 * The installer service on its own (the commands that render it are tested in test/cli/hooks.test.ts):
 * a malformed agent config stops an install before anything is written, with a failure that says
 * what to do and can travel as data.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { guardFile, installHooks, MalformedHookConfigs } from "../../src/install/Installer.js"
import { tempProject } from "../support/cli.js"

describe("installHooks", () => {
  it.effect("writes nothing when an agent's config is malformed, and says how to go on", () =>
    Effect.gen(function* () {
      const project = tempProject("myco-installer-")
      yield* Effect.addFinalizer(() => Effect.sync(project.cleanup))
      fs.mkdirSync(path.join(project.dir, ".claude"))
      fs.writeFileSync(path.join(project.dir, ".claude", "settings.json"), "{ not json")
      const failure = yield* Effect.flip(installHooks(project.dir, ["claude-code", "codex"]))
      expect(failure).toBeInstanceOf(MalformedHookConfigs)
      if (!(failure instanceof MalformedHookConfigs)) return
      expect(failure.errors.map((e) => e.file)).toEqual([".claude/settings.json"])
      expect(failure.message).toContain(".claude/settings.json: not valid JSON")
      expect(failure.message).toContain("fix or move that file, then run the command again (nothing was written)")
      const encoded = Schema.encodeSync(MalformedHookConfigs)(failure)
      expect(encoded._tag).toBe("MalformedHookConfigs")
      expect(fs.existsSync(guardFile(project.dir))).toBe(false)
      expect(fs.existsSync(path.join(project.dir, ".codex"))).toBe(false)
    }).pipe(Effect.scoped)
  )
})
