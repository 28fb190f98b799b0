/**
 * The lifecycle service: the one way sessions are created and moved between states. Commands and
 * the supervisor's session actors call it; the direct layer works on the vault's store, the
 * remote one (Remote.ts) routes the same calls through the running supervisor. The commands do not
 * know which one they got. Each committed change is published to the watchers here, once, with the
 * record that was written (no re-read of the history), and returned with it.
 */
import { Context, DateTime, Effect, Either, Layer } from "effect"
import { AgentNotAllowed, SessionExists, SessionNotFound, VersionConflict } from "../domain/Errors.js"
import { type AgentName, deriveSessionId, type SessionId } from "../domain/Ids.js"
import {
  applyTransition,
  createSession,
  type InvalidTransition,
  type Session,
  type SessionMetadata,
  type TransitionCommand,
  type TransitionRecord
} from "../domain/Session.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import { SessionStore, type SessionFilter } from "../store/SessionStore.js"
import { configuredBoundary, VaultContext } from "../vault/VaultContext.js"
import type { Transitioned } from "../protocol/Protocol.js"
import { publishTransition, WatchHub } from "./WatchHub.js"

/** What creating a session takes. */
export interface CreateRequest {
  readonly agent: AgentName
  /** The agent's own id; when absent one is derived from time and project (see deriveSessionId). */
  readonly id?: SessionId | undefined
  readonly parentId?: SessionId | undefined
  readonly metadata?: { readonly [K in keyof SessionMetadata]?: SessionMetadata[K] | undefined } | undefined
  readonly reason?: string | undefined
  readonly actor?: string | undefined
}

/** What a transition takes besides the session and the command. */
export interface TransitionRequest {
  readonly reason?: string | undefined
  readonly actor?: string | undefined
  /** Only transition if the session is still at this version (optimistic concurrency). */
  readonly expectedVersion?: number | undefined
}

/** The lifecycle operations. */
export class SessionLifecycle extends Context.Tag("myco/SessionLifecycle")<
  SessionLifecycle,
  {
    readonly create: (
      request: CreateRequest
    ) => Effect.Effect<Transitioned, SessionExists | SessionNotFound | AgentNotAllowed | StoreFailure>
    readonly get: (id: SessionId) => Effect.Effect<Session, SessionNotFound | StoreFailure>
    readonly list: (filter: SessionFilter) => Effect.Effect<ReadonlyArray<Session>, StoreFailure>
    readonly transition: (
      id: SessionId,
      command: TransitionCommand,
      request: TransitionRequest
    ) => Effect.Effect<Transitioned, InvalidTransition | VersionConflict | SessionNotFound | StoreFailure>
    readonly history: (id: SessionId) => Effect.Effect<ReadonlyArray<TransitionRecord>, SessionNotFound | StoreFailure>
  }
>() {}

/** How many later milliseconds a generated id may move to when its slot is taken. */
const GENERATED_ID_SLOTS = 64

const DEFAULT_REASONS: Record<TransitionCommand | "create", string> = {
  create: "created by hand",
  complete: "completed by hand",
  reopen: "reopened by hand",
  process: "marked processed by hand",
  archive: "archived by hand",
  restore: "restored by hand"
}

/** The lifecycle working on the vault's store directly, publishing what it commits to `WatchHub`. */
export const layerDirect: Layer.Layer<SessionLifecycle, never, SessionStore | VaultContext | WatchHub> = Layer.effect(
  SessionLifecycle,
  Effect.gen(function* () {
    const store = yield* SessionStore
    const vault = yield* VaultContext
    const hub = yield* WatchHub

    const create = Effect.fn("SessionLifecycle.create")(function* (request: CreateRequest) {
      const allowed = vault.config.agents.allowed
      if (!allowed.includes(request.agent)) {
        return yield* new AgentNotAllowed({ agent: request.agent, allowed })
      }
      if (request.parentId !== undefined) {
        yield* store.get(request.parentId).pipe(
          Effect.catchTag("SessionNotFound", () =>
            Effect.fail(new SessionNotFound({ sessionId: request.parentId ?? "", role: "parent" }))
          )
        )
      }
      const now = yield* DateTime.now
      const attempt = (id: SessionId, at: DateTime.Utc) => {
        const [session, record] = createSession(
          {
            id,
            projectId: vault.projectId,
            machineId: vault.machineId,
            agent: request.agent,
            parentId: request.parentId ?? null,
            capabilities: { capture: vault.config.sessions.capture, intelligence: vault.config.sessions.intelligence },
            boundary: configuredBoundary(vault.paths, vault.config),
            metadata: {
              cwd: request.metadata?.cwd ?? null,
              branch: request.metadata?.branch ?? null,
              transcriptPath: request.metadata?.transcriptPath ?? null,
              title: request.metadata?.title ?? null
            }
          },
          at,
          request.reason ?? DEFAULT_REASONS.create,
          request.actor ?? "cli"
        )
        return Effect.as(Effect.zipRight(store.create(session, record), publishTransition(hub, record)), { session, record })
      }
      if (request.id !== undefined) return yield* attempt(request.id, now)
      // A derived id names a millisecond slot; when another session took that slot, use the next.
      const startMs = DateTime.toEpochMillis(now)
      for (let slot = 0; ; slot++) {
        const at = DateTime.unsafeMake(startMs + slot)
        const id = deriveSessionId({ projectId: vault.projectId, machineId: vault.machineId, agent: request.agent, timestampMs: startMs + slot })
        const result = yield* Effect.either(attempt(id, at))
        if (Either.isRight(result)) return result.right
        if (!(result.left instanceof SessionExists) || slot + 1 >= GENERATED_ID_SLOTS) return yield* Effect.fail(result.left)
      }
    })

    const transition = Effect.fn("SessionLifecycle.transition")(function* (
      id: SessionId,
      command: TransitionCommand,
      request: TransitionRequest
    ) {
      const current = yield* store.get(id)
      if (request.expectedVersion !== undefined && current.version !== request.expectedVersion) {
        return yield* new VersionConflict({
          sessionId: id,
          expectedVersion: request.expectedVersion,
          expectedStatus: null,
          actualVersion: current.version,
          actualStatus: current.status
        })
      }
      const now = yield* DateTime.now
      const [next, record] = yield* applyTransition(
        current,
        command,
        now,
        request.reason ?? DEFAULT_REASONS[command],
        request.actor ?? "cli"
      )
      yield* store.transition(next, { status: current.status, version: current.version }, record)
      yield* publishTransition(hub, record)
      return { session: next, record }
    })

    return SessionLifecycle.of({
      create,
      get: store.get,
      list: store.list,
      transition,
      history: store.history
    })
  })
)
