/**
 * The one state the in-memory stores share, as the SQLite stores share one database: the event
 * store numbers events with and counts them on the session store's sessions. Plain mutable maps,
 * only ever touched inside one synchronous step, so that every operation is atomic as a
 * transaction would be. For tests and demos; nothing here survives the process.
 */
import { Context, Layer } from "effect"
import type { Session, TransitionRecord } from "../../domain/Session.js"
import type { StoredEvent } from "../../domain/Event.js"
import type { Run } from "../../domain/Run.js"

/** A session as the memory store keeps it: the session and what the SQLite row keeps beside it. */
export interface MemorySession {
  session: Session
  /** Creation, transitions and event batches, in epoch milliseconds. */
  lastActivityMs: number
  lastEventSeq: number
  readonly history: Array<TransitionRecord>
  readonly events: Array<StoredEvent>
}

/** A run as the memory store keeps it: the run, replaced whole as it moves. */
export type MemoryRun = Run

/** An event that named no session, as kept. */
export interface MemoryUnattributed {
  readonly agent: string
  readonly event: string
  readonly reason: string
  readonly receivedAtMs: number
}

/** Everything the memory stores hold. Maps keep insertion order, which stands for SQLite's rowid order. */
export interface MemoryStateShape {
  readonly sessions: Map<string, MemorySession>
  /** Every stored event's place, by idempotency id. */
  readonly eventIds: Map<string, { readonly seq: number; readonly late: boolean }>
  readonly unattributed: Map<string, MemoryUnattributed>
  readonly runs: Map<string, MemoryRun>
}

/** The memory stores' shared state. */
export class MemoryState extends Context.Tag("myco/MemoryState")<MemoryState, MemoryStateShape>() {}

/** A fresh, empty state: each build of the layer is a new, empty store. */
export const layerMemoryState: Layer.Layer<MemoryState> = Layer.sync(MemoryState, () => ({
  sessions: new Map(),
  eventIds: new Map(),
  unattributed: new Map(),
  runs: new Map()
}))
