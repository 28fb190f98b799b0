/**
 * The SQLite backend of the storage ports, for the vault database. `layerStores` is every port
 * over one open database; the single layers are for callers that need only some of them.
 */
import { Layer } from "effect"
import type { EventStore } from "../EventStore.js"
import type { LossStore } from "../LossStore.js"
import type { Maintenance } from "../Maintenance.js"
import type { RefusalStore } from "../RefusalStore.js"
import type { RunStore } from "../RunStore.js"
import type { SessionStore } from "../SessionStore.js"
import type { StoreFailure } from "../StoreFailure.js"
import { type DatabaseOptions, layerDatabase } from "./Database.js"
import { layerEventStore } from "./EventStore.js"
import { layerLossStore } from "./LossStore.js"
import { layerMaintenance } from "./Maintenance.js"
import { layerRefusalStore } from "./RefusalStore.js"
import { layerRunStore } from "./RunStore.js"
import { layerSessionStore } from "./SessionStore.js"

export { appliedMigrations, DatabaseSettings, layerDatabase, migrate, pendingMigrations, type DatabaseOptions } from "./Database.js"
export { layerEventStore } from "./EventStore.js"
export { layerLossStore } from "./LossStore.js"
export { layerMaintenance } from "./Maintenance.js"
export { layerRefusalStore } from "./RefusalStore.js"
export { layerRunStore } from "./RunStore.js"
export { decodeTransitionRecords, layerSessionStore } from "./SessionStore.js"

/** Every storage port on the vault database, opened (and migrated, when asked) once. */
export const layerStores = (
  options: DatabaseOptions
): Layer.Layer<SessionStore | EventStore | RunStore | RefusalStore | LossStore | Maintenance, StoreFailure> =>
  Layer.mergeAll(layerSessionStore, layerEventStore, layerRunStore, layerRefusalStore, layerLossStore, layerMaintenance).pipe(Layer.provide(layerDatabase(options)))
