/** The `spool` worker: drains the spool on start and then every `every` (see capture/SpoolDrain.ts). */
import { Behavior, ChildSpec } from "../../actor/index.js"
import type { Duration } from "effect"
import { makeSpoolDrain, type SpoolDrainOptions } from "../../capture/SpoolDrain.js"
import { mycoDecider } from "../../session/Decider.js"
import { type Tick, ticking } from "./Ticking.js"

/** The child spec of the `spool` worker. */
export const spoolWorker = (options: SpoolDrainOptions, every: Duration.DurationInput) => {
  const { drain } = makeSpoolDrain(options)
  return ChildSpec.worker(
    "spool",
    Behavior.make<void, Tick, never>({
      init: (ctx) => ticking(every)(ctx.self),
      receive: () => drain
    }),
    { decider: mycoDecider }
  )
}
