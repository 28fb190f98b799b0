/**
 * The supervisor's writes, paused while the vault's disk is full. A full disk is not a broken
 * vault: it ends when someone frees space. So instead of escalating (and exiting), the first write
 * that fails for want of space pauses intake: from then on every write request (a hook event, a
 * capture, a session created or moved) is refused at once with a TransientError of code DISK_FULL,
 * which makes a hook spool its event (into the spool's reserve, or the fallback spool) and a CLI
 * command exit 75 (try again). Reads go on. The spool is not drained meanwhile.
 *
 * While paused, a probe runs every `probeEvery` (the rule {@link probeDue} says when): once the
 * file system reports at least `minFreeBytes` free (when it can tell) it tries a real write, the
 * record of this very pause in the LossStore. When that commits, intake resumes by itself, and the
 * spool (what the hooks left meanwhile) is drained on the next pass.
 */
import { Clock, Context, DateTime, Duration, Effect, Layer, Ref } from "effect"
import { DISK_FULL, isDiskFull, TransientError } from "../domain/Failure.js"
import { formatBytes } from "../lean/DiskSpace.js"
import { LossStore } from "../store/LossStore.js"

/** Whether the supervisor writes, and if not since when and why. */
export type IntakeState =
  | { readonly _tag: "Accepting"; readonly pauses: number }
  | {
      readonly _tag: "Paused"
      /** Epoch milliseconds. */
      readonly since: number
      readonly reason: string
      /** Requests (or events) refused since. */
      readonly refused: number
      /** Probes that found the disk still full. */
      readonly probes: number
      /** Epoch milliseconds of the last probe, or undefined before the first. */
      readonly lastProbeAt: number | undefined
      /** What the last probe found. */
      readonly lastProbe: string | undefined
      /** Pauses before this one, since the supervisor started. */
      readonly pauses: number
    }

/** Settings of the pause. */
export interface IntakePauseOptions {
  /** How often a paused supervisor tries to write again. */
  readonly probeEvery: Duration.DurationInput
  /** Free space needed before a write is tried again (when the file system tells). */
  readonly minFreeBytes: number
  /** Free space on the vault's file system now, or undefined when it cannot be known. */
  readonly freeBytes: Effect.Effect<number | undefined>
}

/**
 * The rule of the probe: a paused supervisor probes once `every` milliseconds have passed since
 * the pause began or since its last probe, whichever is later.
 */
export const probeDue = (state: IntakeState, nowMs: number, everyMs: number): boolean =>
  state._tag === "Paused" && nowMs - (state.lastProbeAt ?? state.since) >= everyMs

/** The supervisor's intake and its pause. */
export class IntakePause extends Context.Tag("myco/IntakePause")<
  IntakePause,
  {
    readonly state: Effect.Effect<IntakeState>
    readonly paused: Effect.Effect<boolean>
    /** Pauses intake (if it was not already) because a write found the disk full. */
    readonly pause: (reason: string) => Effect.Effect<void>
    /**
     * Fails with a TransientError of code DISK_FULL while paused, counting `count` refused
     * requests; succeeds at once otherwise.
     */
    readonly guard: (operation: string, count?: number) => Effect.Effect<void, TransientError>
    /** Runs `self`, pausing intake when it fails because the disk is full; its outcome is unchanged. */
    readonly watch: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
    /** Probes now when a probe is due (see {@link probeDue}); resumes intake when the write commits. */
    readonly probe: Effect.Effect<void>
    /** Probes whenever due, forever (checking every `probeEvery`). */
    readonly probeLoop: Effect.Effect<never>
  }
>() {}

/** The pause, probing with a write to the LossStore. */
export const layerIntakePause = (options: IntakePauseOptions): Layer.Layer<IntakePause, never, LossStore> =>
  Layer.effect(
    IntakePause,
    Effect.gen(function* () {
      const losses = yield* LossStore
      const state = yield* Ref.make<IntakeState>({ _tag: "Accepting", pauses: 0 })
      const everyMs = Math.max(1, Duration.toMillis(Duration.decode(options.probeEvery)))

      const pause = (reason: string) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const started = yield* Ref.modify(state, (s): readonly [boolean, IntakeState] =>
            s._tag === "Paused"
              ? [false, s]
              : [true, { _tag: "Paused", since: now, reason, refused: 0, probes: 0, lastProbeAt: undefined, lastProbe: undefined, pauses: s.pauses }]
          )
          if (started) {
            yield* Effect.logWarning(
              `writes paused: the vault's disk is full (${reason}); hooks spool their events meanwhile, and writing resumes by itself once space is freed`
            )
          }
        })

      const guard = (operation: string, count = 1) =>
        Effect.flatMap(
          Ref.modify(state, (s): readonly [IntakeState, IntakeState] => {
            if (s._tag !== "Paused") return [s, s]
            const next: IntakeState = { ...s, refused: s.refused + count }
            return [next, next]
          }),
          (s) =>
            s._tag === "Paused"
              ? Effect.fail(
                  new TransientError({
                    operation,
                    code: DISK_FULL,
                    message: `the vault's disk is full: writes are paused since ${new Date(s.since).toISOString()} (${s.reason}); nothing was stored, try again once space is freed`
                  })
                )
              : Effect.void
        )

      const watch = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        Effect.tapError(self, (error) => (isDiskFull(error) ? pause(errorMessage(error)) : Effect.void))

      const probe = Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const current = yield* Ref.get(state)
        if (current._tag !== "Paused" || !probeDue(current, now, everyMs)) return
        const found = (what: string) =>
          Ref.update(state, (s): IntakeState => (s._tag === "Paused" ? { ...s, probes: s.probes + 1, lastProbeAt: now, lastProbe: what } : s))
        const free = yield* options.freeBytes
        if (free !== undefined && free < options.minFreeBytes) {
          return yield* found(`${formatBytes(free)} free, waiting for ${formatBytes(options.minFreeBytes)}`)
        }
        const written = yield* Effect.either(
          losses.recordPause({
            startedAt: DateTime.unsafeMake(current.since),
            endedAt: DateTime.unsafeMake(now),
            refused: current.refused,
            reason: current.reason
          })
        )
        if (written._tag === "Left") return yield* found(`a write still fails: ${written.left.message}`)
        const ended = yield* Ref.modify(state, (s): readonly [IntakeState, IntakeState] =>
          s._tag === "Paused" ? [s, { _tag: "Accepting", pauses: s.pauses + 1 }] : [s, s]
        )
        if (ended._tag === "Paused") {
          yield* Effect.logInfo(
            `writes resumed: the vault's disk has room again after ${Math.round((now - ended.since) / 1000)} s; ${ended.refused} requests were refused meanwhile (their hooks spooled them), the spool is drained next`
          )
        }
      })

      const probeLoop = Effect.forever(Effect.zipRight(Effect.sleep(everyMs), probe))

      return IntakePause.of({
        state: Ref.get(state),
        paused: Effect.map(Ref.get(state), (s) => s._tag === "Paused"),
        pause,
        guard,
        watch,
        probe,
        probeLoop
      })
    })
  )

const errorMessage = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" ? error.message : String(error)
