/**
 * The RefusalStore port, asserted once and run against both backends (SQLite on a temp file, and
 * memory): refusals are counted per agent with the last event, reason and time, and a warning is
 * due for an agent's first refusal and then at most once per interval.
 */
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Layer, type Scope } from "effect"
import { layerRefusalStore as layerMemoryRefusals } from "../../src/store/memory/index.js"
import { RefusalStore, stillRefused } from "../../src/store/RefusalStore.js"
import { layerStores as layerSqliteStores } from "../../src/store/sqlite/index.js"
import { tempProject } from "../support/cli.js"

const backends: ReadonlyArray<readonly [string, () => Layer.Layer<RefusalStore, unknown, Scope.Scope>]> = [
  [
    "sqlite",
    () => {
      const project = tempProject()
      return layerSqliteStores({
        filename: path.join(project.dir, "myco.db"),
        busyTimeoutMs: 1000,
        retry: { attempts: 3, baseDelayMs: 5 },
        migrate: true
      }).pipe(Layer.tap(() => Effect.addFinalizer(() => Effect.sync(project.cleanup))))
    }
  ],
  ["memory", () => layerMemoryRefusals]
]

const at = (ms: number) => DateTime.unsafeMake(Date.UTC(2026, 0, 15, 9, 0, 0) + ms)

describe.each(backends)("RefusalStore (%s)", (_name, layer) => {
  it.effect("counts per agent, keeps the last event, and warns once per interval", () =>
    Effect.gen(function* () {
      const store = yield* RefusalStore
      const record = (agent: string, event: string, ms: number) =>
        store.record({ agent, event, reason: "agent-not-allowed", at: at(ms) }, { warnEveryMs: 60_000 })
      expect(yield* store.summary).toEqual([])
      expect(yield* record("windsurf", "pre_user_prompt", 0)).toEqual({ count: 1, warn: true })
      expect(yield* record("windsurf", "post_run_command", 1_000)).toEqual({ count: 2, warn: false })
      expect(yield* record("cursor", "stop", 2_000)).toEqual({ count: 1, warn: true })
      expect(yield* record("windsurf", "post_write_code", 59_999)).toEqual({ count: 3, warn: false })
      expect(yield* record("windsurf", "post_cascade_response", 60_000)).toEqual({ count: 4, warn: true })
      expect(yield* record("windsurf", "pre_user_prompt", 61_000)).toEqual({ count: 5, warn: false })
      const summary = yield* store.summary
      expect(summary.map((r) => [r.agent, r.count, r.lastEvent, r.lastReason])).toEqual([
        ["cursor", 1, "stop", "agent-not-allowed"],
        ["windsurf", 5, "pre_user_prompt", "agent-not-allowed"]
      ])
      const windsurf = summary[1]
      if (windsurf === undefined) throw new Error("no windsurf")
      expect(DateTime.toEpochMillis(windsurf.firstAt)).toBe(DateTime.toEpochMillis(at(0)))
      expect(DateTime.toEpochMillis(windsurf.lastAt)).toBe(DateTime.toEpochMillis(at(61_000)))
      expect(stillRefused(windsurf, { allowed: ["cursor"], capture: true })).toBe(true)
      expect(stillRefused(windsurf, { allowed: ["windsurf"], capture: true })).toBe(false)
    }).pipe(Effect.provide(layer()), Effect.scoped)
  )
})
