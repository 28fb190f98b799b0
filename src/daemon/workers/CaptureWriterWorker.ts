/**
 * The `capture-writer` worker: runs the writer's group-commit loop under supervision. The queue
 * lives in the writer's layer, not in the worker, so a restart keeps what waits in it; a system
 * failure of a commit fails the worker (and escalates, by the decider).
 */
import { Behavior, ChildSpec } from "../../actor/index.js"
import { Effect } from "effect"
import type { CaptureWriter } from "../../capture/CaptureWriter.js"
import type { SystemError } from "../../domain/Failure.js"
import { mycoDecider } from "../../session/Decider.js"
import type { Tick } from "./Ticking.js"

/** The child spec of the `capture-writer` worker. */
export const captureWriterWorker = (writer: CaptureWriter["Type"]) =>
  ChildSpec.worker(
    "capture-writer",
    Behavior.make<void, Tick, SystemError>({
      init: (ctx) =>
        Effect.asVoid(Effect.forkScoped(writer.commitLoop.pipe(Effect.catchAll((error) => Effect.ignore(ctx.self.tell({ _tag: "Failed", error })))))),
      receive: (_, message) => (message._tag === "Failed" ? Effect.fail(message.error) : Effect.void)
    }),
    { decider: mycoDecider }
  )
