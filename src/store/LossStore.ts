/**
 * The LossStore port: what the vault could not keep, so that it is never lost silently. Two
 * records:
 *
 * - lost events: hook events that could be written nowhere (the vault's spool, its reserve and the
 *   fallback spool all refused them), each known by its idempotency id from the marker the hook
 *   left (lean/Losses.ts) and recorded once however often the markers are read, or counted
 *   together by a slot of a loss ledger when not even a marker fitted. `myco status` and
 *   `myco doctor` report those not acknowledged yet; `myco doctor --fix` acknowledges them.
 * - write pauses: the times the supervisor stopped writing because the vault's disk was full
 *   (capture/IntakePause.ts), recorded when they end, with how many requests were refused meanwhile
 *   (their hooks spooled them).
 */
import { Context, type DateTime, type Effect, Schema } from "effect"
import type { StoreFailure } from "./StoreFailure.js"

/** Why an event was lost: no room on any disk it could go to, or no spool that could be used at all. */
export const LossReason = Schema.Literal("disk-full", "unwritable")
export type LossReason = typeof LossReason.Type

/** One lost event, as its marker told. */
export interface LostEvent {
  readonly idempotencyId: string
  readonly agent: string
  /** The hook event, as the agent names it (as much of it as a file name can spell). */
  readonly event: string
  /** When its hook started. */
  readonly at: DateTime.Utc
  readonly reason: LossReason
}

/**
 * Lost events counted together, in one slot of a hook's loss ledger (lean/Losses.ts): the slot's
 * count only grows, so recording it again records only what it grew by.
 */
export interface CountedLosses {
  /** The slot: `ledger-<generation>-<slot>-<reason>`. */
  readonly key: string
  readonly count: number
  /** When the last of them was lost. */
  readonly at: DateTime.Utc
  readonly reason: LossReason
}

/** A time the supervisor did not write because the disk was full. */
export interface WritePause {
  readonly startedAt: DateTime.Utc
  readonly endedAt: DateTime.Utc
  /** Requests refused meanwhile (a hook spools what is refused). */
  readonly refused: number
  readonly reason: string
}

/** What the vault lost, and the pauses it went through. */
export interface LossSummary {
  /** Lost events not acknowledged yet. */
  readonly lost: number
  /** Of those, how many for want of space anywhere (the others: no spool could be used at all). */
  readonly lostForSpace: number
  /** The earliest and latest of them (when their hooks started). */
  readonly firstAt: DateTime.Utc | undefined
  readonly lastAt: DateTime.Utc | undefined
  /** Lost events acknowledged before. */
  readonly acknowledged: number
  readonly pauses: number
  readonly lastPause: WritePause | undefined
}

/** What the vault could not keep. */
export class LossStore extends Context.Tag("myco/LossStore")<
  LossStore,
  {
    /** Records lost events, each once (by idempotency id); returns how many were new. */
    readonly recordLost: (events: ReadonlyArray<LostEvent>, recordedAt: DateTime.Utc) => Effect.Effect<number, StoreFailure>
    /** Records the counts of ledger slots, each at the highest count seen; returns how many losses were new. */
    readonly recordCounted: (counts: ReadonlyArray<CountedLosses>, recordedAt: DateTime.Utc) => Effect.Effect<number, StoreFailure>
    /** Records a pause that ended. */
    readonly recordPause: (pause: WritePause) => Effect.Effect<void, StoreFailure>
    readonly summary: Effect.Effect<LossSummary, StoreFailure>
    /** Marks every lost event recorded so far as seen; returns how many it marked. */
    readonly acknowledge: (at: DateTime.Utc) => Effect.Effect<number, StoreFailure>
  }
>() {}
