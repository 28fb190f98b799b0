/**
 * In-process test kit above the actor kernel, on the memory stores: a vault context built by hand
 * (no files are read or written), the supervisor's services composed as `myco run` composes them
 * (daemon/Daemon.ts) but over store/memory/, the sessions' tree started in the test's scope, and
 * hook-event requests built with the protocol's schema class from Claude Code's payload shape.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { DateTime, Effect, Layer, type Scope } from "effect"
import { Supervisor } from "../../src/actor/index.js"
import { CaptureWriter, layerCaptureWriter } from "../../src/capture/CaptureWriter.js"
import { type IntakePause, layerIntakePause } from "../../src/capture/IntakePause.js"
import { IdempotencyId } from "../../src/domain/Event.js"
import { AgentName, MachineId, ProjectId } from "../../src/domain/Ids.js"
import { HookEvent } from "../../src/protocol/Protocol.js"
import { mycoDecider } from "../../src/session/Decider.js"
import { layerDirect, type SessionLifecycle } from "../../src/session/Lifecycle.js"
import { makeSessions, type Sessions } from "../../src/session/Sessions.js"
import { layerCommitObserver, layerWatchHub, type WatchHub } from "../../src/session/WatchHub.js"
import type { EventStore } from "../../src/store/EventStore.js"
import type { LossStore } from "../../src/store/LossStore.js"
import {
  layerEventStore,
  layerLossStore,
  layerMemoryState,
  layerRefusalStore,
  layerRunStore,
  layerSessionStore,
  type MemoryState
} from "../../src/store/memory/index.js"
import type { RefusalStore } from "../../src/store/RefusalStore.js"
import type { RunStore } from "../../src/store/RunStore.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { repoRoot } from "./cli.js"
import { defaultConfig, type MycoConfig } from "../../src/vault/Config.js"
import { vaultPaths } from "../../src/vault/Vault.js"
import { configuredBoundary, VaultContext } from "../../src/vault/VaultContext.js"

/** The project directory the hand-made vault says it is in (nothing is created there). */
export const PROJECT_ROOT = "/work/memory-vault-project"

/** A vault context built by hand: default config unless `config` replaces some sections. */
export const testVault = (config: Partial<MycoConfig> = {}): VaultContext["Type"] => ({
  paths: vaultPaths(`${PROJECT_ROOT}/.myco`),
  resolvedBy: "flag",
  config: { ...defaultConfig, ...config },
  projectId: ProjectId.make("00000000-0000-4000-8000-0000000000a1"),
  machineId: MachineId.make("00000000-0000-4000-8000-0000000000b2")
})

/** Every service the sessions' tree needs, on fresh memory stores (one build: one empty vault). */
export type MemoryServices =
  | SessionLifecycle
  | CaptureWriter
  | IntakePause
  | WatchHub
  | SessionStore
  | EventStore
  | RunStore
  | RefusalStore
  | LossStore
  | MemoryState
  | VaultContext

/** Options of {@link layerMemoryServices}. */
export interface MemoryServicesOptions {
  readonly vault?: VaultContext["Type"]
  readonly writer?: { readonly queueCapacity: number; readonly maxBatchEvents: number }
  /**
   * Every read of a session yields to other fibers a few times after reading, as a real store's
   * I/O would: callers that are not serialised then interleave between their read and their write.
   */
  readonly yieldingReads?: boolean
}

const yieldSome = Effect.forEach([1, 2, 3], () => Effect.yieldNow(), { discard: true })

/** The memory SessionStore whose reads yield after reading. */
const layerYieldingSessionStore: Layer.Layer<SessionStore, never, MemoryState> = Layer.effect(
  SessionStore,
  Effect.map(SessionStore, (inner) => SessionStore.of({ ...inner, get: (id) => Effect.zipLeft(inner.get(id), yieldSome) }))
).pipe(Layer.provide(layerSessionStore))

/** The write pause as the supervisor has it, probing every second, with no free-space floor. */
export const layerTestIntakePause: Layer.Layer<IntakePause, never, LossStore> = layerIntakePause({
  probeEvery: "1 second",
  minFreeBytes: 0,
  freeBytes: Effect.succeed(undefined)
})

/** The services of `myco run` over the memory stores, as daemon/Daemon.ts composes them. */
export const layerMemoryServices = (options: MemoryServicesOptions = {}): Layer.Layer<MemoryServices> => {
  const stores = Layer.mergeAll(
    options.yieldingReads === true ? layerYieldingSessionStore : layerSessionStore,
    layerEventStore,
    layerRunStore,
    layerRefusalStore,
    layerLossStore
  ).pipe(Layer.provideMerge(layerMemoryState))
  return Layer.mergeAll(
    layerDirect,
    layerCaptureWriter(options.writer ?? { queueCapacity: 1024, maxBatchEvents: 2000 }).pipe(Layer.provide(layerCommitObserver))
  ).pipe(
    Layer.provideMerge(layerTestIntakePause),
    Layer.provideMerge(layerWatchHub),
    Layer.provideMerge(stores),
    Layer.provideMerge(Layer.succeed(VaultContext, options.vault ?? testVault()))
  )
}

/**
 * Starts what `myco run` starts for sessions, in the current scope: the writer's commit loop, the
 * sessions' dynamic supervisor under a root, and the registry bound to it.
 */
export const startSessionsTree: Effect.Effect<Sessions, unknown, MemoryServices | Scope.Scope> = Effect.gen(function* () {
  const vault = yield* VaultContext
  const writer = yield* CaptureWriter
  yield* Effect.forkScoped(writer.commitLoop)
  const sessions = yield* makeSessions({ passivateAfter: "10 minutes", unattributedBoundary: configuredBoundary(vault.paths, vault.config) })
  const root = yield* Supervisor.start("test", { strategy: "one_for_one", children: [sessions.spec], decider: mycoDecider })
  yield* sessions.bind(root)
  return sessions
})

/** A time, in epoch milliseconds, around which tests set the TestClock and date their events. */
export const T0 = Date.UTC(2026, 0, 15, 9, 0, 0)

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** A recorded Claude Code payload of test/fixtures/agents/claude-code/ (e.g. "SessionStart.resume"). */
export const claudeFixture = (name: string): Record<string, unknown> => {
  const parsed: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot, "test", "fixtures", "agents", "claude-code", `${name}.json`), "utf8"))
  if (!isRecord(parsed)) throw new Error(`fixture ${name} is not a JSON object`)
  return parsed
}

/**
 * A Claude Code hook invocation, as the hook binary delivers it: the payload is `fields` (a
 * recorded fixture, say) with the session, working directory and event name of this test.
 */
export const claudeHook = (options: {
  /** The hook's idempotency id (unique per invocation, kept by a replay). */
  readonly id: string
  /** The agent's hook event name, e.g. "SessionStart". */
  readonly event: string
  /** The agent's session id; `null` leaves it out of the payload. */
  readonly session: string | null
  /** When the hook started, in epoch milliseconds. */
  readonly atMs: number
  readonly fields?: Record<string, unknown>
  readonly agent?: string
}): HookEvent => {
  const { session_id: _session, transcript_path: _transcript, ...fields } = options.fields ?? {}
  const payload: Record<string, unknown> = {
    ...fields,
    ...(options.session === null
      ? {}
      : { session_id: options.session, transcript_path: `/home/dev/.claude/projects/-project/${options.session}.jsonl` }),
    cwd: PROJECT_ROOT,
    hook_event_name: options.event
  }
  return new HookEvent({
    idempotencyId: IdempotencyId.make(options.id),
    agent: AgentName.make(options.agent ?? "claude-code"),
    event: options.event,
    at: DateTime.unsafeMake(options.atMs),
    cwd: PROJECT_ROOT,
    input: { status: "ok", bytes: JSON.stringify(payload).length, from: "stdin" },
    payload
  })
}
