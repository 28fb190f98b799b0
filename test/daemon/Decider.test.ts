import { describe, expect, it } from "@effect/vitest"
import { Effect, Logger, LogLevel } from "effect"
import { ActorError, ActorFailure, Backoff, Behavior, ChildSpec, Directive, ExitReason, Supervisor } from "../../src/actor/index.js"
import { make, mycoDecider } from "../../src/session/Decider.js"
import { AgentError, ConfigError, SystemError, TransientError } from "../../src/domain/Failure.js"

const context = (attempt: number) => ({ actor: "root/w", attempt, phase: "message" as const })
const transient = new TransientError({ operation: "sqlite.transition", message: "database is locked", code: "SQLITE_BUSY" })
const agent = new AgentError({ actor: "harness", message: "exited 1", exitCode: 1 })
const config = new ConfigError({ message: "bad myco.yaml", hint: "fix the key", fix: "myco doctor" })
const system = new SystemError({ operation: "sqlite.write", message: "disk full", code: "SQLITE_FULL" })

describe("mycoDecider", () => {
  it("retries a TransientError in place, a bounded number of times, then restarts", () => {
    const decider = make({ transientBackoff: Backoff.make({ min: "1 millis", max: "1 millis" }), maxTransientRetries: 2 })
    expect(decider(ActorFailure.error(transient), context(1))._tag).toBe("RetryInPlace")
    expect(decider(ActorFailure.error(transient), context(2))._tag).toBe("RetryInPlace")
    expect(decider(ActorFailure.error(transient), context(3))).toEqual(Directive.restart)
  })

  it("uses exponential backoff with jitter by default", () => {
    const directive = mycoDecider(ActorFailure.error(transient), context(1))
    expect(directive._tag === "RetryInPlace" && directive.backoff).toMatchObject({ minMillis: 100, maxMillis: 5000, jitter: 0.2 })
    expect(mycoDecider(ActorFailure.error(transient), context(5))._tag).toBe("RetryInPlace")
    expect(mycoDecider(ActorFailure.error(transient), context(6))).toEqual(Directive.restart)
  })

  it("restarts on an AgentError", () => {
    expect(mycoDecider(ActorFailure.error(agent), context(1))).toEqual(Directive.restart)
  })

  it("restarts on a defect", () => {
    expect(mycoDecider(ActorFailure.defect(new TypeError("undefined is not a function")), context(1))).toEqual(Directive.restart)
  })

  it("stops on a ConfigError", () => {
    expect(mycoDecider(ActorFailure.error(config), context(1))).toEqual(Directive.stop)
  })

  it("escalates a SystemError", () => {
    expect(mycoDecider(ActorFailure.error(system), context(1))).toEqual(Directive.escalate)
  })

  it("restarts on errors it does not know", () => {
    expect(mycoDecider(ActorFailure.error("something else"), context(1))).toEqual(Directive.restart)
    expect(mycoDecider(ActorFailure.error({ _tag: "ConfigError" }), context(1))).toEqual(Directive.restart)
  })

  it("judges a child that failed to start by the failure that stopped it", () => {
    const startFailed = (failure: ActorFailure.ActorFailure<unknown>) =>
      ActorFailure.error(new ActorError.StartFailed({ actor: "root/sub/w", failure }))
    expect(mycoDecider(startFailed(ActorFailure.error(config)), context(1))).toEqual(Directive.stop)
    expect(mycoDecider(startFailed(ActorFailure.error(system)), context(1))).toEqual(Directive.escalate)
    expect(mycoDecider(startFailed(ActorFailure.defect("bug")), context(1))).toEqual(Directive.restart)
  })

  it.scoped("in a tree, a SystemError deep down reaches the root at once", () =>
    Effect.gen(function*() {
      const worker = ChildSpec.worker(
        "store",
        Behavior.make({
          init: () => Effect.succeed(0),
          receive: (_state: number, _message: "write") => Effect.fail(system)
        })
      )
      const sub = ChildSpec.supervisor("sub", { strategy: "one_for_one", children: [worker], decider: mycoDecider }, { decider: mycoDecider })
      const root = yield* Supervisor.start("myco", { strategy: "one_for_one", children: [sub], decider: mycoDecider, intensity: 100 })
      const ref = yield* Effect.orDie(Supervisor.lookup(yield* Effect.orDie(Supervisor.lookupSupervisor(root, sub)), worker))
      yield* ref.tell("write")
      expect(yield* Supervisor.awaitExit(root)).toEqual(ExitReason.Failure(ActorFailure.error(system)))
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None)))
})
