/**
 * The in-memory backend of the storage ports, for tests: the same semantics as the SQLite one
 * (test/store/memory.test.ts runs the same assertions on both), no file, nothing kept.
 */
import { Layer } from "effect"
import type { EventStore } from "../EventStore.js"
import type { LossStore } from "../LossStore.js"
import type { RefusalStore } from "../RefusalStore.js"
import type { RunStore } from "../RunStore.js"
import type { SessionStore } from "../SessionStore.js"
import { layerEventStore } from "./EventStore.js"
import { layerLossStore } from "./LossStore.js"
import { layerMemoryState, type MemoryState } from "./MemoryState.js"
import { layerRefusalStore } from "./RefusalStore.js"
import { layerRunStore } from "./RunStore.js"
import { layerSessionStore } from "./SessionStore.js"

export { layerEventStore } from "./EventStore.js"
export { layerLossStore } from "./LossStore.js"
export { layerMemoryState, MemoryState, type MemoryRun, type MemorySession, type MemoryStateShape } from "./MemoryState.js"
export { layerRefusalStore } from "./RefusalStore.js"
export { layerRunStore } from "./RunStore.js"
export { layerSessionStore } from "./SessionStore.js"

/** Every memory store over one fresh state, and the state itself (to seed what no port writes yet). */
export const layerStores: Layer.Layer<SessionStore | EventStore | RunStore | RefusalStore | LossStore | MemoryState> = Layer.mergeAll(
  layerSessionStore,
  layerEventStore,
  layerRunStore,
  layerRefusalStore,
  layerLossStore
).pipe(Layer.provideMerge(layerMemoryState))
