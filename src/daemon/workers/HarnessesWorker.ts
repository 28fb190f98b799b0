/**
 * The `harnesses` supervisor: one actor per valid harness (harness/HarnessActor.ts), one_for_one
 * so that a harness that keeps failing is restarted alone, and the registry that queues runs and
 * hands them to those actors. Its restarts never reach the sessions: it is the last child of the
 * root, whose strategy restarts only the children after the one that failed.
 */
import { type ActorRef, ChildSpec, Supervisor } from "../../actor/index.js"
import { Effect, type Scope } from "effect"
import type { EventStore } from "../../store/EventStore.js"
import type { RunStore } from "../../store/RunStore.js"
import type { SessionStore } from "../../store/SessionStore.js"
import type { GatewayFactory } from "../../harness/GatewayFactory.js"
import { actorExecutor, harnessActorSpec, type HarnessMessage } from "../../harness/HarnessActor.js"
import type { ManifestEntry } from "../../harness/Manifests.js"
import { type Harnesses, makeHarnesses } from "../../harness/Registry.js"
import type { Runtimes } from "../../harness/Runtime.js"
import type { MycoConfig } from "../../vault/Config.js"
import { mycoDecider } from "../../session/Decider.js"

/** What the harnesses subtree needs. */
export interface HarnessesWorkerOptions {
  readonly entries: ReadonlyArray<ManifestEntry>
  readonly config: MycoConfig
  readonly projectRoot: string
  readonly vaultDir: string
}

/** The subtree's spec, the registry, and `bind`, which connects the registry to the started actors. */
export const harnessesWorker = (options: HarnessesWorkerOptions) =>
  Effect.gen(function* () {
    const refs = new Map<string, ActorRef.ActorRef<HarnessMessage>>()
    const scope: Scope.Scope = yield* Effect.scope
    const harnesses: Harnesses = yield* makeHarnesses({ ...options, executor: actorExecutor(refs, scope) })
    const workers = options.entries.flatMap((e) => (e._tag === "Valid" ? [harnessActorSpec(e.manifest.name, mycoDecider)] : []))
    const spec = ChildSpec.supervisor("harnesses", { strategy: "one_for_one", children: workers, intensity: 10, period: "1 minute", decider: mycoDecider })
    const bind = (root: Supervisor.Supervisor) =>
      Effect.gen(function* () {
        const subtree = yield* Supervisor.lookupSupervisor(root, spec)
        for (const worker of workers) refs.set(worker.id, yield* Supervisor.lookup(subtree, worker))
      }).pipe(Effect.orDie)
    return { spec, harnesses, bind }
  }) satisfies Effect.Effect<unknown, never, RunStore | SessionStore | EventStore | Runtimes | GatewayFactory | Scope.Scope>
