/**
 * Harnesses as actors under a supervisor, with the registry handing them their runs: killing one
 * harness's actor cancels its own run (recorded) and leaves another harness's run untouched; the
 * actor is restarted and takes runs again; a SystemError of a run escalates through the tree.
 */
import { describe, expect, it } from "@effect/vitest"
import { Actor, ChildSpec, Supervisor } from "../../src/actor/index.js"
import { Deferred, Effect, Fiber, Layer, type Scope } from "effect"
import { SystemError } from "../../src/domain/Failure.js"
import { layerNoToolsGateway } from "../../src/harness/GatewayFactory.js"
import { actorExecutor, harnessActorSpec, type HarnessMessage } from "../../src/harness/HarnessActor.js"
import type { HarnessManifest } from "../../src/harness/Manifest.js"
import { builtinManifests, type ManifestEntry } from "../../src/harness/Manifests.js"
import { makeHarnesses } from "../../src/harness/Registry.js"
import { Runtimes } from "../../src/harness/Runtime.js"
import { type BuiltinFunction, makeBuiltinRuntime } from "../../src/harness/runtimes/Builtin.js"
import { titleSummary } from "../../src/harness/builtin/TitleSummary.js"
import { mycoDecider } from "../../src/session/Decider.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores } from "../../src/store/memory/index.js"
import { defaultConfig } from "../../src/vault/Config.js"
import type { ActorRef } from "../../src/actor/ActorRef.js"
import { makeSession } from "../support/sessions.js"

const entry = (name: string, capabilities: ReadonlyArray<string>): ManifestEntry => ({
  _tag: "Valid",
  manifest: { ...(builtinManifests(defaultConfig)[0] as HarnessManifest), name, capabilities, source: `${name}.yaml` }
})

describe("harness actors", () => {
  it.live("a killed harness cancels only its own run; the other harness's run completes; the actor takes runs again", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const functions = new Map<string, BuiltinFunction>([
        ["hang", () => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never)],
        ["wait", (task, ctx) => Effect.zipRight(Deferred.await(release), titleSummary(task, ctx))],
        ["title-summary", titleSummary]
      ])
      const sessions = yield* SessionStore
      for (const id of ["s1", "s2", "s3"]) {
        const [session, record] = makeSession(id)
        yield* sessions.create(session, record)
      }
      const scope: Scope.Scope = yield* Effect.scope
      const refs = new Map<string, ActorRef<HarnessMessage>>()
      const entries = [entry("doomed", ["hang", "title-summary"]), entry("healthy", ["wait"])]
      const registry = yield* makeHarnesses({ entries, config: defaultConfig, projectRoot: "/p", vaultDir: "/p/.myco", executor: actorExecutor(refs, scope) }).pipe(
        Effect.provide(Layer.succeed(Runtimes, new Map([["builtin", makeBuiltinRuntime(functions)]])))
      )
      const specs = [harnessActorSpec("doomed", mycoDecider), harnessActorSpec("healthy", mycoDecider)]
      const root = yield* Supervisor.start("harnesses", { strategy: "one_for_one", children: specs, intensity: 10, period: "1 minute" })
      for (const spec of specs) refs.set(spec.id, yield* Supervisor.lookup(root, spec))

      const doomed = yield* Effect.fork(registry.submit({ sessionId: "s1", task: "t", capability: "hang", instructions: "x" }))
      const healthy = yield* Effect.fork(registry.submit({ sessionId: "s2", task: "t", capability: "wait", instructions: "Healthy run" }))
      yield* Deferred.await(started)
      yield* Actor.kill(refs.get("doomed") as ActorRef<HarnessMessage>)
      const cancelled = yield* Fiber.join(doomed)
      expect(cancelled).toMatchObject({ status: "cancelled", harness: "doomed" })
      yield* Deferred.succeed(release, undefined)
      expect(yield* Fiber.join(healthy)).toMatchObject({ status: "succeeded", harness: "healthy", result: { title: "Healthy run" } })
      // Restarted: the same address takes runs again.
      expect(yield* registry.submit({ sessionId: "s3", task: "t", capability: "title-summary", instructions: "Again" })).toMatchObject({ status: "succeeded", harness: "doomed" })
    }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(layerStores, layerNoToolsGateway)))
  )

  it.live("a SystemError of a run escalates through the tree", () =>
    Effect.gen(function* () {
      const functions = new Map<string, BuiltinFunction>([["disk", () => Effect.fail(new SystemError({ operation: "write", message: "no space left on device", code: "ENOSPC" }))]])
      const sessions = yield* SessionStore
      const [session, record] = makeSession("s1")
      yield* sessions.create(session, record)
      const scope: Scope.Scope = yield* Effect.scope
      const refs = new Map<string, ActorRef<HarnessMessage>>()
      const registry = yield* makeHarnesses({ entries: [entry("full", ["disk"])], config: defaultConfig, projectRoot: "/p", vaultDir: "/p/.myco", executor: actorExecutor(refs, scope) }).pipe(
        Effect.provide(Layer.succeed(Runtimes, new Map([["builtin", makeBuiltinRuntime(functions)]])))
      )
      const spec = harnessActorSpec("full", mycoDecider)
      const sub = ChildSpec.supervisor("harnesses", { strategy: "one_for_one", children: [spec], decider: mycoDecider })
      const root = yield* Supervisor.start("root", { strategy: "one_for_one", children: [sub], decider: mycoDecider })
      refs.set("full", yield* Supervisor.lookup(yield* Supervisor.lookupSupervisor(root, sub), spec))
      const run = yield* registry.submit({ sessionId: "s1", task: "t", capability: "disk", instructions: "x" })
      expect(run).toMatchObject({ status: "failed", failureClass: "SystemError" })
      const reason = yield* Supervisor.awaitExit(root).pipe(Effect.timeout("20 seconds"))
      expect(reason._tag).toBe("Failure")
    }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(layerStores, layerNoToolsGateway)))
  )
})
