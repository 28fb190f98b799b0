/**
 * The Maintenance port: what keeps the vault's storage healthy and what inspects it, for the
 * supervisor's store worker (checkpoints, the emergency backup) and for `myco doctor` (integrity,
 * lineage, migrations). Business code never reaches the database for these: it asks this port.
 */
import { Context, Either, type Effect } from "effect"
import { replayHistory, type TransitionRecord } from "../domain/Session.js"
import type { StoreFailure } from "./StoreFailure.js"

/** The verdict of the backend's own consistency check. */
export interface IntegrityReport {
  readonly ok: boolean
  /** What the check found wrong, in its words; empty when `ok`. */
  readonly problems: ReadonlyArray<string>
}

/**
 * Whether every session's transition history replays to its stored status and version: the ids
 * of those whose history does not explain them, or the problem with a history that cannot be read.
 */
export type LineageReport =
  | { readonly _tag: "Checked"; readonly sessions: number; readonly broken: ReadonlyArray<string> }
  | { readonly _tag: "Unreadable"; readonly problem: string }

/** The schema migrations of the store, by id, ascending. */
export interface MigrationStatus {
  readonly applied: ReadonlyArray<number>
  /** Known to this myco, not applied yet. */
  readonly pending: ReadonlyArray<number>
  /** Applied, but unknown to this myco: the store was written by a newer one. */
  readonly unknown: ReadonlyArray<number>
}

/** What an inspection of the store found, after a failure. */
export interface StoreHealth {
  /** The store's files are damaged, or no longer the ones it opened: they must not be used until recovered. */
  readonly damaged: boolean
  /** What was found wrong, in words; empty when nothing was. */
  readonly findings: ReadonlyArray<string>
  /**
   * What is at the store's path now is not what it opened (it was deleted, or replaced by another
   * file): whatever is there must not be taken for the store's data.
   */
  readonly replaced: boolean
}

/** The rows of one table in an emergency copy. */
export interface CopiedTable {
  readonly table: string
  readonly rows: number
  /** Rows known not to have made it into the copy; null when that could not be counted. */
  readonly lost: number | null
}

/**
 * The emergency copy of a store that failed: a whole copy that passed its check, or (when the copy
 * failed or did not pass) every row that could be read, salvaged into a fresh store, or nothing.
 */
export type EmergencyCopy =
  | { readonly _tag: "Copied"; readonly file: string; readonly tables: ReadonlyArray<CopiedTable> }
  | { readonly _tag: "Salvaged"; readonly file: string; readonly copyProblem: string; readonly tables: ReadonlyArray<CopiedTable> }
  | { readonly _tag: "Failed"; readonly copyProblem: string; readonly salvageProblem: string }

/** Upkeep and inspection of the store. */
export class Maintenance extends Context.Tag("myco/Maintenance")<
  Maintenance,
  {
    /**
     * Folds the write-ahead log into the database without blocking readers or writers, checking
     * the store's files before and after.
     */
    readonly checkpoint: Effect.Effect<void, StoreFailure>
    /**
     * Cheap: the store's files are still the ones it opened, whole. A SystemError when not; from
     * then on every write fails with it, so that nothing more is acknowledged.
     */
    readonly verify: Effect.Effect<void, StoreFailure>
    /**
     * The backend's bounded structural check, reading the files afresh (not through any cache).
     * A SystemError when it finds a problem, which condemns the store as `verify` does.
     */
    readonly quickCheck: Effect.Effect<void, StoreFailure>
    /** After `failure` (any value): are the store's files damaged, and what is wrong. Never fails. */
    readonly inspect: (failure: unknown) => Effect.Effect<StoreHealth>
    /**
     * The emergency copy of the store into `file`, as this process sees it (its cache may hold
     * what damaged files no longer do); checked, and salvaged row by row when the copy fails.
     */
    readonly emergencyCopy: (file: string) => Effect.Effect<EmergencyCopy>
    /** The backend's own consistency check of its files. */
    readonly integrityCheck: Effect.Effect<IntegrityReport, StoreFailure>
    /** Copies the whole store, consistently, into `file` while it stays in use. */
    readonly backup: (file: string) => Effect.Effect<void, StoreFailure>
    /** Replays every session's history against its stored status and version. */
    readonly lineage: Effect.Effect<LineageReport, StoreFailure>
    /** Which migrations are applied, pending and unknown. */
    readonly migrations: Effect.Effect<MigrationStatus, StoreFailure>
    /** Applies the pending migrations and returns their ids. */
    readonly migrate: Effect.Effect<ReadonlyArray<number>, StoreFailure>
  }
>() {}

/**
 * The sessions, among `sessions`, whose history (in `records`, any order of sessions, each
 * session's rows oldest first) does not replay to their stored status and version. Shared by the
 * backends so that they judge lineage alike.
 */
export const unexplainedSessions = (
  sessions: ReadonlyArray<{ readonly id: string; readonly status: string; readonly version: number }>,
  records: ReadonlyArray<TransitionRecord>
): ReadonlyArray<string> => {
  const bySession = new Map<string, Array<TransitionRecord>>()
  for (const record of records) {
    const list = bySession.get(record.sessionId)
    if (list === undefined) bySession.set(record.sessionId, [record])
    else list.push(record)
  }
  return sessions
    .filter((s) => {
      const replay = replayHistory(bySession.get(s.id) ?? [])
      return Either.isLeft(replay) || replay.right.status !== s.status || replay.right.version !== s.version
    })
    .map((s) => s.id)
}
