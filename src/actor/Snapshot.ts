/**
 * A snapshot of a supervision tree: plain data with a Schema, so that it can go over a socket to
 * `status` commands unchanged.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { FailureSummary } from "./ActorFailure.js"

/** Lifecycle state of an actor in a snapshot. */
export const ActorState = Schema.Literal("starting", "running", "restarting", "stopping", "stopped")

/** Lifecycle state of an actor in a snapshot. */
export type ActorState = typeof ActorState.Type

/** The last failure of an actor, with when it happened (epoch milliseconds). */
export const LastFailure = Schema.Struct({
  ...FailureSummary.fields,
  at: Schema.Number
})

/** The last failure of an actor. */
export interface LastFailure extends Schema.Schema.Type<typeof LastFailure> {}

/** One node of the tree: a worker or a supervisor with its children. */
export interface ActorSnapshot {
  readonly id: string
  readonly path: string
  readonly kind: "worker" | "supervisor"
  /** For supervisors: "one_for_one", "one_for_all", "rest_for_one" or "dynamic". */
  readonly strategy: string | null
  readonly state: ActorState
  /** Restarts of this actor performed by its supervisor. */
  readonly restarts: number
  readonly lastFailure: LastFailure | null
  readonly mailboxDepth: number
  /** Time since the current incarnation started; 0 when not running. */
  readonly uptimeMs: number
  /** Messages this actor dead-lettered. */
  readonly deadLetters: number
  /** Number of children (may exceed `children.length` when the snapshot was truncated). */
  readonly childCount: number
  readonly children: ReadonlyArray<ActorSnapshot>
}

/** Schema of {@link ActorSnapshot}. */
export const ActorSnapshot: Schema.Schema<ActorSnapshot> = Schema.Struct({
  id: Schema.String,
  path: Schema.String,
  kind: Schema.Literal("worker", "supervisor"),
  strategy: Schema.NullOr(Schema.String),
  state: ActorState,
  restarts: Schema.Number,
  lastFailure: Schema.NullOr(LastFailure),
  mailboxDepth: Schema.Number,
  uptimeMs: Schema.Number,
  deadLetters: Schema.Number,
  childCount: Schema.Number,
  children: Schema.Array(Schema.suspend((): Schema.Schema<ActorSnapshot> => ActorSnapshot))
})

/** Options of a snapshot. */
export interface SnapshotOptions {
  /** At most this many children per supervisor (the largest trees are dynamic); default 1000. */
  readonly maxChildren?: number
}

/** Finds the node with `path` in a snapshot. */
export const find = (snapshot: ActorSnapshot, path: string): ActorSnapshot | undefined => {
  if (snapshot.path === path) return snapshot
  for (const child of snapshot.children) {
    const found = find(child, path)
    if (found !== undefined) return found
  }
  return undefined
}

/** All nodes of a snapshot, depth first, parents before children. */
export const flatten = (snapshot: ActorSnapshot): ReadonlyArray<ActorSnapshot> => [
  snapshot,
  ...snapshot.children.flatMap(flatten)
]
