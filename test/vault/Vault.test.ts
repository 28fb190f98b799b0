import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { resolveVault } from "../../src/vault/Vault.js"
import { tempProject } from "../support/cli.js"

const resolve = (input: { flag?: string; cwd: string; env?: string }) =>
  Effect.runSync(Effect.either(resolveVault({ flag: input.flag, cwd: input.cwd, env: input.env })))

describe("vault resolution", () => {
  it("follows --vault > walk up > MYCO_VAULT_DIR, and fails with the command that fixes it", () => {
    const a = tempProject()
    const b = tempProject()
    try {
      fs.mkdirSync(path.join(a.dir, ".myco"))
      fs.mkdirSync(path.join(b.dir, ".myco"))
      const deep = path.join(a.dir, "src", "deep")
      fs.mkdirSync(deep, { recursive: true })

      // Walking up from a subdirectory finds the project's vault, even with the env set.
      const walked = Either.getOrThrow(resolve({ cwd: deep, env: b.dir }))
      expect(walked.paths.dir).toBe(path.join(a.dir, ".myco"))
      expect(walked.paths.root).toBe(a.dir)
      expect(walked.by).toBe("walk-up")

      // The flag wins over the walk, and may name the project or its .myco/.
      expect(Either.getOrThrow(resolve({ flag: b.dir, cwd: deep })).paths.dir).toBe(path.join(b.dir, ".myco"))
      expect(Either.getOrThrow(resolve({ flag: path.join(b.dir, ".myco"), cwd: deep })).by).toBe("flag")

      // From / (as MCP servers start), the environment is the fallback.
      const fromEnv = Either.getOrThrow(resolve({ cwd: "/", env: b.dir }))
      expect(fromEnv.paths.dir).toBe(path.join(b.dir, ".myco"))
      expect(fromEnv.by).toBe("env")

      // Nothing anywhere: a ConfigError that says to run `myco init`.
      const none = resolve({ cwd: "/" })
      if (Either.isRight(none)) throw new Error("resolved a vault from /")
      expect(none.left.message).toContain("no vault here")
      expect(none.left.fix).toBe("myco init")

      // A flag or env naming a directory without a vault is an error, not a fallback.
      const missing = resolve({ flag: path.join(a.dir, "src"), cwd: deep })
      if (Either.isRight(missing)) throw new Error("resolved a vault that does not exist")
      expect(missing.left.fix).toBe(`myco init --vault ${path.join(a.dir, "src")}`)
      const badEnv = resolve({ cwd: "/", env: path.join(a.dir, "src") })
      expect(Either.isLeft(badEnv) && badEnv.left.message.includes("MYCO_VAULT_DIR")).toBe(true)
    } finally {
      a.cleanup()
      b.cleanup()
    }
  })
})
