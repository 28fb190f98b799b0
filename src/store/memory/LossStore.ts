/**
 * The LossStore port in memory, with the same semantics as the SQLite store (test/store/memory.test.ts
 * runs the same assertions on both).
 */
import { DateTime, Effect, Layer } from "effect"
import { type LostEvent, LossStore, type WritePause } from "../LossStore.js"

/** LossStore in memory; each build is a new, empty store. */
export const layerLossStore: Layer.Layer<LossStore> = Layer.sync(LossStore, () => {
  const lost = new Map<string, LostEvent & { acknowledged: boolean }>()
  const pauses: Array<WritePause> = []
  return LossStore.of({
    recordLost: (events) =>
      Effect.sync(() => {
        let added = 0
        for (const event of events) {
          if (lost.has(event.idempotencyId)) continue
          lost.set(event.idempotencyId, { ...event, acknowledged: false })
          added++
        }
        return added
      }),
    recordPause: (pause) => Effect.sync(() => void pauses.push(pause)),
    summary: Effect.sync(() => {
      const open = [...lost.values()].filter((e) => !e.acknowledged)
      const times = open.map((e) => e.at).sort(DateTime.Order)
      const lastPause = [...pauses].sort((a, b) => DateTime.Order(a.endedAt, b.endedAt)).at(-1)
      return {
        lost: open.length,
        lostForSpace: open.filter((e) => e.reason === "disk-full").length,
        firstAt: times[0],
        lastAt: times.at(-1),
        acknowledged: lost.size - open.length,
        pauses: pauses.length,
        lastPause
      }
    }),
    acknowledge: () =>
      Effect.sync(() => {
        let marked = 0
        for (const event of lost.values()) {
          if (event.acknowledged) continue
          event.acknowledged = true
          marked++
        }
        return marked
      })
  })
})
