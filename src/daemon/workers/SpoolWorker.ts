/** The `spool` worker: drains the spool on start and then every `every` (see capture/SpoolDrain.ts). */
import { Behavior, ChildSpec } from "../../actor/index.js"
import type { Duration } from "effect"
import { drainSpool, type SubmitHook } from "../../capture/SpoolDrain.js"
import { mycoDecider } from "../../session/Decider.js"
import { type Tick, ticking } from "./Ticking.js"

/** The child spec of the `spool` worker. */
export const spoolWorker = (spoolDir: string, every: Duration.DurationInput, submit: SubmitHook) =>
  ChildSpec.worker(
    "spool",
    Behavior.make<void, Tick, never>({
      init: (ctx) => ticking(every)(ctx.self),
      receive: () => drainSpool(spoolDir, submit)
    }),
    { decider: mycoDecider }
  )
