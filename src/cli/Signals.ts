/**
 * SIGINT and SIGTERM, and the end of the process. By default the first one interrupts the command (its finalizers run). A
 * command that stops gracefully by itself (`myco run`, `myco session watch`) asks for the signal
 * instead, and is interrupted only by a second one.
 */
import { Context, Deferred, Effect, Exit, type Fiber, FiberId } from "effect"
import { exitOnceFlushed } from "../lean/ExitCode.js"

/** Signals as the running command sees them. */
export class Signals extends Context.Tag("myco/Signals")<
  Signals,
  {
    /** Waits for SIGINT or SIGTERM and returns its name; the first such signal no longer interrupts. */
    readonly graceful: Effect.Effect<string>
  }
>() {}

/** Installs the handlers for `fiber`'s lifetime and returns the service to give it. */
export const installSignals = (): {
  readonly service: Context.Tag.Service<Signals>
  readonly attach: (fiber: Fiber.RuntimeFiber<unknown, unknown>) => void
} => {
  const received = Deferred.unsafeMake<string>(FiberId.none)
  let graceful = false
  let count = 0
  return {
    service: {
      graceful: Effect.suspend(() => {
        graceful = true
        return Deferred.await(received)
      })
    },
    attach: (fiber) => {
      // The process must stay up while the command waits on something that holds no handle.
      const keepAlive = setInterval(() => undefined, 2 ** 31 - 1)
      const onSignal = (name: string) => {
        count++
        if (graceful && count === 1) Deferred.unsafeDone(received, Exit.succeed(name))
        else fiber.unsafeInterruptAsFork(FiberId.none)
      }
      const onInt = () => onSignal("SIGINT")
      const onTerm = () => onSignal("SIGTERM")
      process.on("SIGINT", onInt)
      process.on("SIGTERM", onTerm)
      fiber.addObserver(() => {
        clearInterval(keepAlive)
        process.off("SIGINT", onInt)
        process.off("SIGTERM", onTerm)
        // The command is over: exit once its output is flushed, whatever timers are still armed.
        exitOnceFlushed()
      })
    }
  }
}
