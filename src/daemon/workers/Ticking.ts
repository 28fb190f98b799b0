/**
 * The message of the periodic workers: a tick, sent to the worker itself by a timer that lives as
 * long as the worker's incarnation (so a restart restarts its timer), or a failure to surface from
 * a fiber the worker runs.
 */
import { type Duration, Effect, Schedule, type Scope } from "effect"
import type { SystemError } from "../../domain/Failure.js"

/** A worker's message. */
export type Tick = { readonly _tag: "Tick" } | { readonly _tag: "Failed"; readonly error: SystemError }

/** Sends `self` a tick every `every`, for the life of the current scope. */
export const ticking =
  (every: Duration.DurationInput) =>
  (self: { readonly tell: (m: Tick) => Effect.Effect<void, unknown> }): Effect.Effect<void, never, Scope.Scope> =>
    Effect.asVoid(Effect.forkScoped(Effect.repeat(Effect.ignore(self.tell({ _tag: "Tick" })), Schedule.spaced(every))))
