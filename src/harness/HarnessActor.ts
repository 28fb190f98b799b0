/**
 * A harness as an actor of the supervision tree: its mailbox holds the runs the registry started
 * on it, and it owns them: each run is a fiber in the scope of the actor's incarnation, so a
 * restart or a stop of the actor interrupts its runs (recorded as cancelled, their processes
 * ended by their runtime) and touches nothing else. A run that ends with a SystemError fails the
 * actor with it, and myco's decider escalates it to the root; every other failure is recorded on
 * the run and stays there. One actor per harness: a harness that crashes, hangs or floods keeps
 * to its own actor, its own slots and its own circuit.
 */
import { type ActorRef, Behavior, ChildSpec, type Decider } from "../actor/index.js"
import { Effect, type Scope } from "effect"
import type { SystemError } from "../domain/Failure.js"
import type { Executor } from "./Registry.js"

/** What a harness actor is told. */
export type HarnessMessage =
  | { readonly _tag: "Execute"; readonly run: Effect.Effect<void, SystemError> }
  | { readonly _tag: "Failed"; readonly error: SystemError }

interface HarnessState {
  readonly scope: Scope.Scope
}

/** The behaviour of a harness actor. */
export const harnessBehavior = Behavior.make<HarnessState, HarnessMessage, SystemError>({
  init: () => Effect.map(Effect.scope, (scope) => ({ scope })),
  receive: (state, message, context) =>
    message._tag === "Failed"
      ? Effect.fail(message.error)
      : Effect.as(
          Effect.forkIn(
            message.run.pipe(Effect.catchAll((error) => Effect.ignore(context.self.tell({ _tag: "Failed", error })))),
            state.scope
          ),
          state
        )
})

/**
 * The child spec of the actor of harness `name`, with the decider of its failures (the daemon
 * gives myco's: a SystemError escalates, anything else restarts the actor alone).
 */
export const harnessActorSpec = (name: string, decider: Decider.Decider<unknown>) =>
  ChildSpec.worker(name, harnessBehavior, { decider, shutdown: ChildSpec.timeout("10 seconds") })

/**
 * The executor that hands each started run to its harness's actor. A run whose actor cannot take
 * it (stopped for good) is run beside the tree rather than lost, so that its end is recorded.
 */
export const actorExecutor =
  (refs: ReadonlyMap<string, ActorRef.ActorRef<HarnessMessage>>, fallback: Scope.Scope): Executor =>
  (harness, run) => {
    const ref = refs.get(harness)
    const beside = Effect.asVoid(Effect.forkIn(Effect.catchAll(run, (e) => Effect.logError(`harness ${harness}: ${e.message}`)), fallback))
    if (ref === undefined) return Effect.zipRight(Effect.logWarning(`harness ${harness} has no actor: its run goes on beside the tree`), beside)
    return ref.tell({ _tag: "Execute", run }).pipe(
      Effect.catchAll((e) => Effect.zipRight(Effect.logWarning(`harness ${harness}'s actor cannot take a run (${e._tag}): it goes on beside the tree`), beside))
    )
  }
