/**
 * The watchers' hub: committed transitions and captured events, for `myco session watch`. The
 * lifecycle publishes each transition it commits; the capture writer tells it of each committed
 * group of events (as its CommitObserver). A sliding hub: a slow watcher loses old items rather
 * than slowing ingest.
 */
import { Context, Effect, Layer, PubSub } from "effect"
import { CommitObserver } from "../capture/CaptureWriter.js"
import type { TransitionRecord } from "../domain/Session.js"
import type { WatchItem } from "../protocol/Protocol.js"

/** The hub of committed events and transitions. */
export class WatchHub extends Context.Tag("myco/WatchHub")<WatchHub, PubSub.PubSub<WatchItem>>() {}

/** The hub, with room for 4096 items per watcher. */
export const layerWatchHub: Layer.Layer<WatchHub> = Layer.scoped(WatchHub, Effect.acquireRelease(PubSub.sliding<WatchItem>(4096), PubSub.shutdown))

/** Tells watchers of a committed transition. */
export const publishTransition = (hub: PubSub.PubSub<WatchItem>, record: TransitionRecord): Effect.Effect<void> =>
  Effect.asVoid(PubSub.publish(hub, { _tag: "Transitioned", record }))

/** The capture writer's observer: each stored (not duplicate) event, to the watchers. */
export const layerCommitObserver: Layer.Layer<CommitObserver, never, WatchHub> = Layer.effect(
  CommitObserver,
  Effect.map(WatchHub, (hub) => ({
    committed: (events, outcomes) =>
      Effect.forEach(
        outcomes,
        (outcome, i) => {
          const event = events[i]
          return event === undefined || outcome.duplicate
            ? Effect.void
            : PubSub.publish(hub, {
                _tag: "Captured" as const,
                sessionId: event.sessionId,
                seq: outcome.seq,
                idempotencyId: event.idempotencyId,
                kind: event.kind,
                at: event.at,
                late: outcome.late
              })
        },
        { discard: true }
      )
  }))
)
