/**
 * The LossStore port in memory, with the same semantics as the SQLite store (test/store/LossStore.test.ts
 * runs the same assertions on both).
 */
import { DateTime, Effect, Layer } from "effect"
import { type LossReason, LossStore, type WritePause } from "../LossStore.js"

interface Row {
  readonly reason: LossReason
  at: DateTime.Utc
  count: number
  acknowledged: number
}

/** LossStore in memory; each build is a new, empty store. */
export const layerLossStore: Layer.Layer<LossStore> = Layer.sync(LossStore, () => {
  const rows = new Map<string, Row>()
  const pauses: Array<WritePause> = []
  return LossStore.of({
    recordLost: (events) =>
      Effect.sync(() => {
        let added = 0
        for (const event of events) {
          if (rows.has(event.idempotencyId)) continue
          rows.set(event.idempotencyId, { reason: event.reason, at: event.at, count: 1, acknowledged: 0 })
          added++
        }
        return added
      }),
    recordCounted: (counts) =>
      Effect.sync(() => {
        let added = 0
        for (const c of counts) {
          const row = rows.get(c.key)
          if (row === undefined) {
            rows.set(c.key, { reason: c.reason, at: c.at, count: c.count, acknowledged: 0 })
            added += c.count
          } else {
            added += Math.max(0, c.count - row.count)
            row.count = Math.max(row.count, c.count)
            row.at = DateTime.max(row.at, c.at)
          }
        }
        return added
      }),
    recordPause: (pause) => Effect.sync(() => void pauses.push(pause)),
    summary: Effect.sync(() => {
      const open = [...rows.values()].filter((r) => r.count > r.acknowledged)
      const times = open.map((r) => r.at).sort(DateTime.Order)
      const lastPause = [...pauses].sort((a, b) => DateTime.Order(a.endedAt, b.endedAt)).at(-1)
      return {
        lost: open.reduce((n, r) => n + r.count - r.acknowledged, 0),
        lostForSpace: open.filter((r) => r.reason === "disk-full").reduce((n, r) => n + r.count - r.acknowledged, 0),
        firstAt: times[0],
        lastAt: times.at(-1),
        acknowledged: [...rows.values()].reduce((n, r) => n + r.acknowledged, 0),
        pauses: pauses.length,
        lastPause
      }
    }),
    acknowledge: () =>
      Effect.sync(() => {
        let marked = 0
        for (const row of rows.values()) {
          marked += row.count - row.acknowledged
          row.acknowledged = row.count
        }
        return marked
      })
  })
})
