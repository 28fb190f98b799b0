/** The `store` worker: checkpoints the database's WAL every minute (a failure is the store's to classify). */
import { Behavior, ChildSpec } from "../../actor/index.js"
import type { ConfigError, SystemError, TransientError } from "../../domain/Failure.js"
import { mycoDecider } from "../../session/Decider.js"
import type { Maintenance } from "../../store/Maintenance.js"
import { type Tick, ticking } from "./Ticking.js"

/** The child spec of the `store` worker. */
export const storeWorker = (maintenance: Maintenance["Type"]) =>
  ChildSpec.worker(
    "store",
    Behavior.make<void, Tick, SystemError | ConfigError | TransientError>({
      init: (ctx) => ticking("1 minute")(ctx.self),
      receive: () => maintenance.checkpoint
    }),
    { decider: mycoDecider }
  )
