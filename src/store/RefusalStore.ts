/**
 * The RefusalStore port: the hook events the supervisor refused, counted per agent. A refused event
 * is not stored (the agent may not create sessions in this vault, or capture is off), which left
 * no trace at all: the agent's hooks kept running and exiting 0, `myco doctor` said ok. Now each
 * refusal bumps its agent's count, with the time and name of the last one, so that `myco doctor`
 * and `myco hooks status` can say so; the count also throttles the supervisor's warning.
 */
import { Context, type DateTime, type Effect, Schema } from "effect"
import type { StoreFailure } from "./StoreFailure.js"

/** Why an event was refused: its agent is not in `agents.allowed`, or the session does not capture. */
export const RefusalReason = Schema.Literal("agent-not-allowed", "capture-off")
export type RefusalReason = typeof RefusalReason.Type

/** One refused hook event. */
export interface RefusedEvent {
  readonly agent: string
  /** The hook event, as the agent names it. */
  readonly event: string
  readonly reason: RefusalReason
  readonly at: DateTime.Utc
}

/** The refusals of one agent. */
export interface AgentRefusals {
  readonly agent: string
  readonly count: number
  readonly firstAt: DateTime.Utc
  readonly lastAt: DateTime.Utc
  readonly lastEvent: string
  readonly lastReason: RefusalReason
}

/** What recording a refusal found: the agent's count with it, and whether to warn about it now. */
export interface RecordedRefusal {
  readonly count: number
  /** True for the agent's first refusal, and then at most once per `warnEvery`. */
  readonly warn: boolean
}

/** Refused hook events, per agent. */
export class RefusalStore extends Context.Tag("myco/RefusalStore")<
  RefusalStore,
  {
    /**
     * Counts one refused event of its agent, keeping the time, event and reason of the last one;
     * one atomic step. `warn` says whether the agent's last warning is older than `warnEveryMs`
     * (or there was none), in which case this one counts as warned.
     */
    readonly record: (refusal: RefusedEvent, options: { readonly warnEveryMs: number }) => Effect.Effect<RecordedRefusal, StoreFailure>
    /** Every agent with refusals, by agent name. */
    readonly summary: Effect.Effect<ReadonlyArray<AgentRefusals>, StoreFailure>
  }
>() {}

/**
 * Whether an agent's refusals still apply under the vault's current settings: it is still not in
 * `agents.allowed`, or capture is still off. Refusals from before a change are history.
 */
export const stillRefused = (
  refusals: AgentRefusals,
  settings: { readonly allowed: ReadonlyArray<string>; readonly capture: boolean }
): boolean => (refusals.lastReason === "agent-not-allowed" ? !settings.allowed.includes(refusals.agent) : !settings.capture)
