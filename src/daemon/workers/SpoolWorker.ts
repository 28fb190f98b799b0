/**
 * The `spool` worker, on start and then every `every`: drains the spools (the vault's and the
 * fallback one: capture/SpoolDrain.ts), records the losses hooks counted (capture/LossHarvest.ts),
 * tops up the spool's reserve (lean/Spool.ts) and makes the loss ledgers that are missing. While writes are paused for a full disk, it does
 * none of these: each would write.
 */
import { Behavior, ChildSpec } from "../../actor/index.js"
import { type Duration, Effect } from "effect"
import type { IntakePause } from "../../capture/IntakePause.js"
import { makeLossHarvest } from "../../capture/LossHarvest.js"
import { makeSpoolDrain, type SpoolDrainOptions } from "../../capture/SpoolDrain.js"
import { formatBytes } from "../../lean/DiskSpace.js"
import { refillReserve } from "../../lean/Spool.js"
import { mycoDecider } from "../../session/Decider.js"
import type { LossStore } from "../../store/LossStore.js"
import { type Tick, ticking } from "./Ticking.js"

/** What the spool worker looks after. */
export interface SpoolUpkeep {
  readonly drain: SpoolDrainOptions
  /** The loss markers' directories. */
  readonly lostDirs: ReadonlyArray<string>
  /** The size the spool's reserve is kept at (0: none). */
  readonly reserveBytes: number
  readonly intake: IntakePause["Type"]
}

/** Tops up the reserve; says so when it grew, and once when it cannot be kept. */
const makeReserveUpkeep = (spoolDir: string, targetBytes: number) => {
  let reported: string | undefined
  return Effect.suspend(() => {
    const refill = refillReserve(spoolDir, targetBytes)
    switch (refill._tag) {
      case "Grown":
        reported = undefined
        return Effect.logInfo(`spool: reserve topped up from ${formatBytes(refill.from)} to ${formatBytes(refill.to)}`)
      case "Refused": {
        if (reported === refill.problem) return Effect.void
        reported = refill.problem
        return Effect.logWarning(`spool: no reserve: ${refill.problem}`)
      }
      default:
        return Effect.void
    }
  })
}

/** The child spec of the `spool` worker. */
export const spoolWorker = (upkeep: SpoolUpkeep, every: Duration.DurationInput) => {
  const { drain } = makeSpoolDrain({ ...upkeep.drain, intake: upkeep.intake })
  const { harvest, prepare } = makeLossHarvest(upkeep.lostDirs)
  const reserve = makeReserveUpkeep(upkeep.drain.spoolDir, upkeep.reserveBytes)
  const harvestLosses = upkeep.intake.watch(harvest).pipe(
    Effect.flatMap(({ recorded }) =>
      recorded === 0 ? Effect.void : Effect.logWarning(`losses: ${recorded} hook events were lost (no spool could take them); see \`myco doctor\``)
    ),
    Effect.catchAll((e) => Effect.logWarning(`losses: markers not recorded yet: ${e.message}`))
  )
  const pass = Effect.gen(function* () {
    if (yield* upkeep.intake.paused) return
    yield* drain
    yield* harvestLosses
    if (yield* upkeep.intake.paused) return
    yield* reserve
    yield* prepare
  })
  return ChildSpec.worker(
    "spool",
    Behavior.make<void, Tick, never, LossStore>({
      init: (ctx) => ticking(every)(ctx.self),
      receive: () => pass
    }),
    { decider: mycoDecider }
  )
}
