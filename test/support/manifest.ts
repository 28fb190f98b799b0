/** Harness manifests built by hand for the gateway and runtime tests (the decoded, defaulted shape). */
import type { HarnessManifest } from "../../src/harness/Manifest.js"

type Overrides = Partial<Omit<HarnessManifest, "limits" | "tools">> & {
  readonly limits?: Partial<HarnessManifest["limits"]>
  readonly tools?: Partial<HarnessManifest["tools"]>
}

/** A manifest named `test`, with generous limits and every gateway tool allowed unless overridden. */
export const testManifest = (overrides: Overrides = {}): HarnessManifest => ({
  name: "test",
  runtime: "llm",
  capabilities: ["title-summary"],
  concurrency: 1,
  circuit: { failures: 3, cooldown: 60_000 },
  env: { pass: [] },
  source: "test",
  ...overrides,
  limits: { timeout: 60_000, memory: 0, output: 1024 * 1024, turns: 8, tokens: 100_000, ...overrides.limits },
  tools: { allow: ["events", "sessions", "read_file", "write_result"], read_only: false, ...overrides.tools }
})
