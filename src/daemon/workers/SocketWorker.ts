/**
 * The `socket-server` worker: serves the protocol on the vault's Unix socket through the router.
 * Each incarnation of the worker makes a new server; the supervisor's stop sequence and `status`
 * follow the current one.
 */
import { Behavior, ChildSpec } from "../../actor/index.js"
import { Deferred, Effect } from "effect"
import type { SystemError } from "../../domain/Failure.js"
import { type RequestHandler, serve, type ServerOptions, type SocketServer } from "../../protocol/Server.js"
import { mycoDecider } from "../../session/Decider.js"
import type { Tick } from "./Ticking.js"

/** The socket worker, with a handle on its current server. */
export const socketWorker = (options: ServerOptions) =>
  Effect.map(Deferred.make<void>(), (started) => {
    let current: SocketServer | undefined
    const server = Effect.flatMap(Deferred.await(started), () =>
      current === undefined ? Effect.dieMessage("socket server started but not recorded") : Effect.succeed(current)
    )
    return {
      /** The child spec, serving `handler`. */
      spec: (handler: RequestHandler<never>) =>
        ChildSpec.worker(
          "socket-server",
          Behavior.make<void, Tick, SystemError>({
            init: () =>
              Effect.gen(function* () {
                current = yield* serve(options, handler)
                yield* Deferred.succeed(started, undefined)
              }),
            receive: () => Effect.void
          }),
          { decider: mycoDecider, shutdown: ChildSpec.timeout("10 seconds") }
        ),
      /** The server of the current incarnation (waits for the first). */
      current: server,
      /** Connections open now (0 before the first server). */
      connections: Effect.suspend(() => (current === undefined ? Effect.succeed(0) : current.connections))
    }
  })
