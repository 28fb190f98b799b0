/**
 * Why an actor's incarnation ended. Monitors receive the reason of the final stop; terminate hooks
 * receive the reason of the incarnation that is ending.
 *
 * - `Normal`: the actor stopped itself (`context.stop`).
 * - `Shutdown`: its owner stopped it (supervisor shutdown, a sibling's restart, `Actor.stop`).
 * - `Idle`: it was passivated after being idle (see `Registry`).
 * - `Failure`: its handler or init failed and the decider did not retry in place.
 * - `Killed`: it was interrupted: brutal shutdown, a shutdown budget ran out, or `Actor.kill`.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { ActorFailure } from "./ActorFailure.js"

/** Why an actor's incarnation ended. */
export type ExitReason = Data.TaggedEnum<{
  Normal: {}
  Shutdown: {}
  Idle: {}
  Failure: { readonly failure: ActorFailure<unknown> }
  Killed: {}
}>

const make = Data.taggedEnum<ExitReason>()

/** The actor stopped itself. */
export const Normal: ExitReason = make.Normal()
/** The actor's owner stopped it. */
export const Shutdown: ExitReason = make.Shutdown()
/** The actor was passivated after being idle. */
export const Idle: ExitReason = make.Idle()
/** The actor was interrupted without running its terminate hook. */
export const Killed: ExitReason = make.Killed()
/** The actor failed. */
export const Failure = (failure: ActorFailure<unknown>): ExitReason => make.Failure({ failure })

/** Pattern match on a reason. */
export const $match = make.$match

/** True for the reasons a `transient` child is restarted on: `Failure` and `Killed`. */
export const isAbnormal = (reason: ExitReason): boolean => reason._tag === "Failure" || reason._tag === "Killed"
