/**
 * The RefusalStore port in memory: one count per agent, with the same semantics as the SQLite
 * store (test/store/memory.test.ts runs the same assertions on both).
 */
import { DateTime, Effect, Layer } from "effect"
import { type AgentRefusals, RefusalStore } from "../RefusalStore.js"

/** RefusalStore in memory; each build is a new, empty store. */
export const layerRefusalStore: Layer.Layer<RefusalStore> = Layer.sync(RefusalStore, () => {
  const byAgent = new Map<string, AgentRefusals & { readonly warnedAtMs: number }>()
  return RefusalStore.of({
    record: (refusal, { warnEveryMs }) =>
      Effect.sync(() => {
        const at = DateTime.toEpochMillis(refusal.at)
        const previous = byAgent.get(refusal.agent)
        const warn = previous === undefined || at - previous.warnedAtMs >= warnEveryMs
        const count = (previous?.count ?? 0) + 1
        byAgent.set(refusal.agent, {
          agent: refusal.agent,
          count,
          firstAt: previous?.firstAt ?? refusal.at,
          lastAt: previous === undefined || DateTime.lessThan(previous.lastAt, refusal.at) ? refusal.at : previous.lastAt,
          lastEvent: refusal.event,
          lastReason: refusal.reason,
          warnedAtMs: warn ? at : (previous?.warnedAtMs ?? at)
        })
        return { count, warn }
      }),
    summary: Effect.sync(() =>
      [...byAgent.values()]
        .sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0))
        .map(({ agent, count, firstAt, lastAt, lastEvent, lastReason }) => ({ agent, count, firstAt, lastAt, lastEvent, lastReason }))
    )
  })
})
