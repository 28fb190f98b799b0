/**
 * `myco run`: the supervisor process of one vault.
 *
 * It takes the vault lock (one supervisor per vault), recovers what a crash left, builds the
 * supervision tree and serves the socket until it is told to stop (SIGTERM/SIGINT, `myco stop`)
 * or has been idle long enough. Stopping is graceful: stop accepting, let every request in flight
 * finish, commit every queued capture, stop the tree in reverse order, close the database, remove
 * the socket and daemon.json. A system failure escalated to the root stops intake, takes an
 * emergency backup of the database and ends the process with a report.
 *
 * The tree (DESIGN.md section 7, rest_for_one at the root: a child's restart restarts the ones
 * started after it, which depend on it):
 *
 *   myco
 *   ├── store            WAL checkpoints and health of the database
 *   ├── capture-writer   the group-commit loop of captured events
 *   ├── sessions         dynamic: one actor per live session, passivated when idle
 *   ├── socket-server    the Unix socket
 *   ├── spool            drains the events hooks spooled while no supervisor answered
 *   └── maintenance      completes idle sessions, and stops the supervisor when it is idle
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { SqlClient } from "@effect/sql/SqlClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import {
  Behavior,
  ChildSpec,
  type DynamicSupervisor,
  Registry,
  Snapshot,
  Supervisor
} from "../actor/index.js"
import { Clock, Data, DateTime, Deferred, Duration, Effect, Either, Exit, Layer, ParseResult, PubSub, Schedule, Schema, Scope, Stream } from "effect"
import { boundedPayload } from "../capture/Boundary.js"
import { CaptureWriter, layerCaptureWriter, layerWatchHub, WatchHub } from "../capture/CaptureWriter.js"
import { prepareHookEvent, type SessionHookEvent } from "../capture/HookIntake.js"
import { type AppendOutcome, type CapturedEvent, EventKind, UnattributedEvent } from "../domain/Event.js"
import type { SessionNotFound, VersionConflict } from "../domain/Errors.js"
import { AgentError, ConfigError, SystemError, TransientError } from "../domain/Failure.js"
import type { SessionId } from "../domain/Ids.js"
import {
  HookEvent,
  type HookEventReply,
  PROTOCOL_VERSION,
  type Request,
  type ShuttingDown,
  type StatusReply,
  type TreeNode,
  UnsupportedProtocol,
  type Watch,
  WatchItem,
  type WireError
} from "../protocol/Protocol.js"
import { type InvalidTransition, type Session, sessionToJson, type TransitionCommand, TransitionRecord } from "../domain/Session.js"
import { layerDirect, SessionLifecycle, type TransitionRequest } from "../session/Lifecycle.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import { mapSqlErrors } from "../store/sqlite/SqliteErrors.js"
import { EventStore } from "../store/EventStore.js"
import { SessionStore } from "../store/SessionStore.js"
import { DatabaseSettings, layerDatabase } from "../store/sqlite/Database.js"
import { layerEventStore } from "../store/sqlite/EventStore.js"
import { layerSessionStore } from "../store/sqlite/SessionStore.js"
import { acquireVaultLock } from "../vault/Lock.js"
import { readDaemonInfo, runFiles, writeDaemonInfo } from "../vault/RunFiles.js"
import type { VaultPaths } from "../vault/Vault.js"
import { SPOOL_FILE } from "../lean/Spool.js"
import { configuredBoundary, VaultContext } from "../vault/VaultContext.js"
import { mycoDecider } from "./Decider.js"
import { type CaptureTicket, type HookTicket, sessionBehavior, type SessionMessage } from "../session/SessionActor.js"
import { serve, type SocketServer } from "../protocol/Server.js"

/** Another supervisor holds the vault. */
export class AlreadyRunning extends Data.TaggedError("AlreadyRunning")<{ readonly pid: number | null }> {
  override get message(): string {
    return `already running (pid ${this.pid ?? "unknown: it is starting"})`
  }
}

/** Why the supervisor stopped. */
export type StopReason = "signal" | "stop-request" | "idle"

/** How the supervisor ended. */
export type DaemonExit =
  | { readonly _tag: "Stopped"; readonly reason: StopReason }
  | { readonly _tag: "Escalated"; readonly report: string; readonly backup: string | null }

/** Settings of a supervisor process. */
export interface DaemonOptions {
  readonly version: string
  /** How often maintenance runs (idle completion, idle exit). */
  readonly maintenanceInterval: Duration.DurationInput
  /** How often the spool is looked at (it is also drained on start). */
  readonly spoolInterval: Duration.DurationInput
  /** How long an idle session actor stays in memory. */
  readonly passivateAfter: Duration.DurationInput
  /** Completes when the process is told to stop (a signal). */
  readonly stop: Effect.Effect<"signal">
}

/** How many spooled events are submitted before waiting for their commits. */
const SPOOL_CHUNK = 256
const decodeHookEvent = Schema.decodeUnknownEither(HookEvent)

/** A spooled file's event, or why it is not one. */
const decodeSpooled = (text: string): Either.Either<HookEvent, string> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return Either.left(`not JSON: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  return Either.mapLeft(decodeHookEvent(json), (error) => ParseResult.TreeFormatter.formatErrorSync(error).split("\n").slice(0, 3).join(" "))
}

/** Whether a file-system error says the file is not there. */
const isMissing = (error: unknown): boolean =>
  typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

const encodeSessions = (sessions: ReadonlyArray<Session>) => sessions.map(sessionToJson)
const encodeHistory = Schema.encodeSync(Schema.Array(TransitionRecord))
const encodeWatchItem = Schema.encodeSync(WatchItem)
const encodeOutcomes = (outcomes: ReadonlyArray<AppendOutcome>) =>
  outcomes.map((o) => ({ idempotencyId: o.idempotencyId, seq: o.seq, duplicate: o.duplicate, late: o.late }))

/** The kernel's snapshot, as the protocol carries it. */
const toTreeNode = (s: Snapshot.ActorSnapshot): TreeNode => ({
  id: s.id,
  path: s.path,
  kind: s.kind,
  strategy: s.strategy,
  state: s.state,
  restarts: s.restarts,
  lastFailure: s.lastFailure === null ? null : `${s.lastFailure.tag}: ${s.lastFailure.message}`,
  mailbox: s.mailboxDepth,
  uptimeMs: s.uptimeMs,
  deadLetters: s.deadLetters,
  childCount: s.childCount,
  children: s.children.map(toTreeNode)
})

/** Waits up to 10 s for the holder of the lock to write daemon.json, for the "already running" message. */
const holderPid = (paths: VaultPaths) =>
  Effect.gen(function* () {
    for (let i = 0; i < 100; i++) {
      const info = readDaemonInfo(paths)
      if (info !== undefined) return info.pid
      yield* Effect.sleep(Duration.millis(100))
    }
    return null
  })

/** Runs the supervisor until it stops; fails when the vault is held by another or cannot be served. */
export const runDaemon = (
  options: DaemonOptions
): Effect.Effect<DaemonExit, AlreadyRunning | StoreFailure, VaultContext> =>
  Effect.scoped(
    Effect.gen(function* () {
      const vault = yield* VaultContext
      const { paths, config } = vault
      yield* acquireVaultLock(paths).pipe(
        Effect.catchIf(
          (e): e is "held" => e === "held",
          () => Effect.flatMap(holderPid(paths), (pid) => Effect.fail(new AlreadyRunning({ pid })))
        )
      )
      // We hold the lock: whatever run/ still has is from a supervisor that is gone.
      const files = runFiles(paths)
      const socketPath = files.socket
      if (path.dirname(socketPath) !== paths.run) {
        fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 })
        fs.chmodSync(path.dirname(socketPath), 0o700)
      }
      for (const stale of [socketPath, files.daemonJson]) fs.rmSync(stale, { force: true })

      const database = layerDatabase({
        filename: paths.db,
        busyTimeoutMs: config.store.busy_timeout_ms,
        retry: { attempts: config.store.retry_attempts, baseDelayMs: config.store.retry_base_delay_ms },
        migrate: true
      })
      const stores = Layer.mergeAll(layerSessionStore, layerEventStore).pipe(Layer.provideMerge(database))
      const services = Layer.mergeAll(
        layerDirect,
        layerCaptureWriter({ queueCapacity: config.daemon.ingest_queue, maxBatchEvents: config.daemon.max_batch_events })
      ).pipe(
        Layer.provideMerge(layerWatchHub),
        Layer.provideMerge(stores),
        Layer.provideMerge(Layer.succeed(VaultContext, vault))
      )
      const context = yield* Layer.build(services)
      return yield* serveVault(options, socketPath).pipe(Effect.provide(context))
    })
  )

type Services =
  | SessionLifecycle
  | SessionStore
  | EventStore
  | CaptureWriter
  | WatchHub
  | VaultContext
  | SqlClient
  | SqliteClient.SqliteClient
  | DatabaseSettings

const serveVault = (
  options: DaemonOptions,
  socketPath: string
): Effect.Effect<DaemonExit, StoreFailure, Services | Scope.Scope> =>
  Effect.gen(function* () {
    const vault = yield* VaultContext
    const { paths, config } = vault
    const lifecycle = yield* SessionLifecycle
    const store = yield* SessionStore
    const events = yield* EventStore
    const writer = yield* CaptureWriter
    const hub = yield* WatchHub
    const sql = yield* SqlClient
    const startedAt = yield* DateTime.now
    const startedMs = DateTime.toEpochMillis(startedAt)
    const stopSignal = yield* Deferred.make<StopReason>()
    yield* Effect.forkScoped(Effect.flatMap(options.stop, (reason) => Deferred.succeed(stopSignal, reason)))
    // The socket server of the current incarnation of its worker (a restart makes a new one);
    // `serverStarted` lets the first readers wait for it.
    let currentServer: SocketServer | undefined
    const serverStarted = yield* Deferred.make<void>()
    const server = Effect.flatMap(Deferred.await(serverStarted), () =>
      currentServer === undefined ? Effect.dieMessage("socket server started but not recorded") : Effect.succeed(currentServer)
    )
    const rootRef = yield* Deferred.make<Supervisor.Supervisor>()

    yield* recover
    // Sessions left active by a crash (or idle while no supervisor ran) are completed before serving.
    if (config.sessions.idle_timeout > 0) {
      const now = yield* Clock.currentTimeMillis
      for (const id of yield* store.idleSince(DateTime.unsafeMake(now - config.sessions.idle_timeout))) {
        yield* lifecycle
          .transition(id, "complete", {
            reason: `idle for over ${Duration.format(Duration.millis(config.sessions.idle_timeout))} (found on start)`,
            actor: "supervisor"
          })
          .pipe(Effect.catchTags({ InvalidTransition: () => Effect.void, VersionConflict: () => Effect.void, SessionNotFound: () => Effect.void }))
      }
    }

    // ---- the sessions' registry, rebuilt if the sessions supervisor is replaced -------------
    const sessionsSpec = ChildSpec.dynamic<SessionMessage, CaptureWriter | SessionLifecycle | WatchHub | EventStore>("sessions", {
      template: ChildSpec.template(sessionBehavior, { decider: mycoDecider, shutdown: ChildSpec.timeout("5 seconds") }),
      decider: mycoDecider,
      intensity: 10,
      period: "10 seconds"
    })
    let cached: { readonly handle: DynamicSupervisor.DynamicSupervisor<SessionMessage>; readonly registry: Registry.Registry<SessionMessage>; readonly scope: Scope.CloseableScope } | undefined
    const registry = Effect.gen(function* () {
      const root = yield* Deferred.await(rootRef)
      const handle = yield* Supervisor.lookupDynamic(root, sessionsSpec).pipe(
        Effect.mapError(() => new SystemError({ operation: "sessions.lookup", message: "the sessions supervisor is not running" }))
      )
      if (cached !== undefined && cached.handle === handle) return cached.registry
      if (cached !== undefined) yield* Scope.close(cached.scope, Exit.void)
      const scope = yield* Scope.make()
      const made = yield* Registry.make(handle, { idleTimeout: options.passivateAfter }).pipe(Scope.extend(scope))
      cached = { handle, registry: made, scope }
      return made
    })
    yield* Effect.addFinalizer(() => (cached === undefined ? Effect.void : Scope.close(cached.scope, Exit.void)))

    const askTimeout = { timeout: "30 seconds" } as const
    const askCapture = (id: SessionId, events: ReadonlyArray<CapturedEvent>) =>
      Effect.flatMap(registry, (r) =>
        r.ask<CaptureTicket, ShuttingDown>(id, (reply) => ({ _tag: "Capture", events, reply }), askTimeout)
      )
    const askTransition = (id: SessionId, command: TransitionCommand, request: TransitionRequest) =>
      Effect.flatMap(registry, (r) =>
        r.ask<Session, InvalidTransition | VersionConflict | SessionNotFound | StoreFailure>(
          id,
          (reply) => ({ _tag: "Transition", command, request, reply }),
          askTimeout
        )
      )
    const askHook = (hook: SessionHookEvent) =>
      Effect.flatMap(registry, (r) =>
        r.ask<HookTicket, ShuttingDown>(hook.event.sessionId, (reply) => ({ _tag: "Hook", hook, reply }), askTimeout)
      )
    /** Kernel delivery failures, as failure classes: a stopped or overloaded actor is transient. */
    const delivery = (operation: string) => ({
      AskTimeout: (e: { readonly message: string }) => Effect.fail(new TransientError({ operation, message: e.message, code: "AskTimeout" })),
      ActorStopped: (e: { readonly message: string }) => Effect.fail(new TransientError({ operation, message: e.message, code: "ActorStopped" })),
      MessageDeadLettered: (e: { readonly message: string }) => Effect.fail(new AgentError({ actor: operation, message: e.message }))
    })

    // ---- requests ---------------------------------------------------------------------------

    const capture = (events: ReadonlyArray<CapturedEvent>) =>
      Effect.gen(function* () {
        // One ask per session, in order of first appearance; each session keeps its own order.
        const bySession = new Map<SessionId, { readonly indexes: Array<number>; readonly events: Array<CapturedEvent> }>()
        events.forEach((event, index) => {
          const group = bySession.get(event.sessionId)
          if (group === undefined) bySession.set(event.sessionId, { indexes: [index], events: [event] })
          else {
            group.indexes.push(index)
            group.events.push(event)
          }
        })
        const groups = [...bySession.entries()]
        const tickets = yield* Effect.forEach(groups, ([sessionId, group]) => askCapture(sessionId, group.events))
        const outcomes: Array<AppendOutcome | undefined> = new Array(events.length)
        for (const [g, ticket] of tickets.entries()) {
          const done = yield* Deferred.await(ticket)
          groups[g]?.[1].indexes.forEach((index, k) => (outcomes[index] = done[k]))
        }
        return encodeOutcomes(outcomes.filter((o): o is AppendOutcome => o !== undefined))
      })

    /**
     * Hands a hook event to its session actor (or stores it apart when it names no session) and
     * returns the wait for its commit. Submitting in order keeps each session's order, without
     * waiting for one commit before submitting the next.
     */
    const submitHook = (request: HookEvent) =>
      Effect.gen(function* () {
        const prepared = prepareHookEvent(request)
        if (prepared.kind === "unknown" || prepared._tag === "Unattributed") {
          yield* Effect.logWarning(`hook ${request.agent} ${request.event}: ${prepared.warnings.join("; ") || "unattributed"}`)
        }
        if (prepared._tag === "Session") return Deferred.await(yield* askHook(prepared))
        const stored = yield* events.appendUnattributed(
          new UnattributedEvent({ ...prepared.event, payload: boundedPayload(configuredBoundary(paths, config), prepared.event.payload) }, true)
        )
        const reply: HookEventReply = {
          outcome: stored.duplicate ? "duplicate" : "unattributed",
          sessionId: null,
          kind: EventKind.make(prepared.kind),
          late: false
        }
        return Effect.succeed(reply)
      })

    const handle = (request: Exclude<Request, Watch>): Effect.Effect<unknown, WireError> => {
      switch (request._tag) {
        case "Hello":
          return request.protocol === PROTOCOL_VERSION
            ? Effect.succeed({ protocol: PROTOCOL_VERSION, version: options.version, pid: process.pid })
            : Effect.fail(new UnsupportedProtocol({ server: PROTOCOL_VERSION, client: request.protocol }))
        case "SessionCreate":
          return lifecycle
            .create(request)
            .pipe(
              Effect.tap((session) =>
                Effect.flatMap(Effect.either(lifecycle.history(session.id)), (h) =>
                  Either.isRight(h) && h.right[0] !== undefined ? PubSub.publish(hub, { _tag: "Transitioned", record: h.right[0] }) : Effect.void
                )
              ),
              Effect.map(sessionToJson)
            )
        case "SessionGet":
          return Effect.map(lifecycle.get(request.id), sessionToJson)
        case "SessionList":
          return Effect.map(lifecycle.list({ status: request.status, agent: request.agent, limit: request.limit }), encodeSessions)
        case "SessionHistory":
          return Effect.map(lifecycle.history(request.id), encodeHistory)
        case "SessionTransition":
          return askTransition(request.id, request.command, {
            reason: request.reason,
            actor: request.actor ?? "cli",
            expectedVersion: request.expectedVersion
          }).pipe(Effect.map(sessionToJson), Effect.catchTags(delivery("session.transition")))
        case "Capture":
          return capture(request.events).pipe(Effect.catchTags(delivery("capture")))
        case "HookEvent":
          return Effect.flatten(submitHook(request)).pipe(Effect.catchTags(delivery("hook")))
        case "Status":
          return status
        case "Stop":
          return Effect.as(Deferred.succeed(stopSignal, "stop-request"), { stopping: true })
      }
    }

    const watch = (request: Watch) =>
      Effect.map(PubSub.subscribe(hub), (subscription) =>
        Stream.fromQueue(subscription).pipe(
          Stream.filter(
            (item) =>
              request.sessionId === undefined ||
              (item._tag === "Transitioned" ? item.record.sessionId === request.sessionId : item.sessionId === request.sessionId)
          ),
          Stream.map(encodeWatchItem)
        )
      )

    const status: Effect.Effect<StatusReply, SystemError | ConfigError | TransientError> = Effect.gen(function* () {
      const root = yield* Deferred.await(rootRef)
      const snapshot = yield* Supervisor.snapshot(root, { maxChildren: 100 })
      const counts = yield* store.countByStatus
      const ingest = yield* writer.stats
      const running = yield* server
      const now = yield* Clock.currentTimeMillis
      const live = Snapshot.find(snapshot, "myco/sessions")?.childCount ?? 0
      return {
        pid: process.pid,
        version: options.version,
        startedAt: DateTime.formatIso(startedAt),
        uptimeMs: now - startedMs,
        socket: socketPath,
        vault: paths.dir,
        tree: toTreeNode(snapshot),
        sessions: { ...counts, live },
        ingest,
        deadLetters: Snapshot.flatten(snapshot).reduce((n, s) => n + s.deadLetters, 0),
        connections: yield* running.connections
      }
    })

    // ---- the tree ---------------------------------------------------------------------------
    type Tick = { readonly _tag: "Tick" } | { readonly _tag: "Failed"; readonly error: SystemError }
    const ticking = (every: Duration.DurationInput) => (self: { readonly tell: (m: Tick) => Effect.Effect<void, unknown> }) =>
      Effect.forkScoped(Effect.repeat(Effect.ignore(self.tell({ _tag: "Tick" })), Schedule.spaced(every)))

    const storeWorker = ChildSpec.worker(
      "store",
      Behavior.make<void, Tick, SystemError | ConfigError | TransientError>({
        init: (ctx) => Effect.asVoid(ticking("1 minute")(ctx.self)),
        receive: () =>
          sql`PRAGMA wal_checkpoint(PASSIVE)`.pipe(Effect.asVoid, mapSqlErrors("sqlite.checkpoint", paths.db))
      }),
      { decider: mycoDecider }
    )

    const writerWorker = ChildSpec.worker(
      "capture-writer",
      Behavior.make<void, Tick, SystemError>({
        init: (ctx) =>
          Effect.asVoid(
            Effect.forkScoped(
              writer.commitLoop.pipe(Effect.catchAll((error) => Effect.ignore(ctx.self.tell({ _tag: "Failed", error }))))
            )
          ),
        receive: (_, message) => (message._tag === "Failed" ? Effect.fail(message.error) : Effect.void)
      }),
      { decider: mycoDecider }
    )

    const socketWorker = ChildSpec.worker(
      "socket-server",
      Behavior.make<void, Tick, SystemError>({
        init: () =>
          Effect.gen(function* () {
            currentServer = yield* serve(
              { path: socketPath, maxFrameBytes: config.daemon.max_frame_bytes, maxInFlight: 256 },
              { handle, watch }
            )
            yield* Deferred.succeed(serverStarted, undefined)
          }),
        receive: () => Effect.void
      }),
      { decider: mycoDecider, shutdown: ChildSpec.timeout("10 seconds") }
    )

    /**
     * Drains the spool: events hooks could not deliver. Files are taken in name order (the time
     * the hook started) and submitted one after the other, so that each session keeps its order;
     * a file is removed once its event is committed (or found stored already). A file that is not
     * a hook event is moved to spool/rejected/, never deleted.
     */
    const drainSpool = Effect.gen(function* () {
      const listed = yield* Effect.either(Effect.try(() => fs.readdirSync(paths.spool)))
      if (Either.isLeft(listed)) {
        // No spool directory is an empty spool; anything else is worth saying, and trying again.
        if (!isMissing(listed.left.error)) yield* Effect.logWarning(`spool: cannot list ${paths.spool}: ${String(listed.left.error)}`)
        return
      }
      const names = listed.right
      const now = yield* Clock.currentTimeMillis
      for (const name of names) {
        // A hook that died between writing and renaming left its temporary file: gone after a minute.
        if (!name.startsWith(".")) continue
        const file = path.join(paths.spool, name)
        const removed = yield* Effect.either(Effect.try(() => (now - fs.statSync(file).mtimeMs > 60_000 ? fs.rmSync(file, { force: true }) : undefined)))
        if (Either.isLeft(removed) && !isMissing(removed.left.error)) {
          yield* Effect.logWarning(`spool: cannot remove the stale ${name}: ${String(removed.left.error)}`)
        }
      }
      const files = names.filter((name) => SPOOL_FILE.test(name)).sort()
      let drained = 0
      for (let start = 0; start < files.length; start += SPOOL_CHUNK) {
        const waits: Array<readonly [string, Effect.Effect<HookEventReply, unknown>]> = []
        let interrupted = false
        for (const name of files.slice(start, start + SPOOL_CHUNK)) {
          const file = path.join(paths.spool, name)
          const text = yield* Effect.either(Effect.try(() => fs.readFileSync(file, "utf8")))
          if (Either.isLeft(text)) {
            // Gone meanwhile (another pass took it), or unreadable for now: not the file's fault.
            if (!isMissing(text.left.error)) yield* Effect.logWarning(`spool: cannot read ${name}: ${String(text.left.error)}; retried later`)
            continue
          }
          const decoded = decodeSpooled(text.right)
          if (Either.isLeft(decoded)) {
            yield* rejectSpooled(file, decoded.left)
            continue
          }
          const submitted = yield* Effect.either(submitHook(decoded.right))
          if (Either.isLeft(submitted)) {
            // Stopping or overloaded: the file stays for the next pass.
            yield* Effect.logWarning(`spool: ${name} not submitted (${submitted.left._tag}); retried later`)
            interrupted = true
            break
          }
          waits.push([file, submitted.right])
        }
        for (const [file, wait] of waits) {
          const committed = yield* Effect.either(wait)
          if (Either.isLeft(committed)) {
            yield* Effect.logWarning(`spool: ${path.basename(file)} not committed; retried later`)
            continue
          }
          drained++
          // Left behind, it is only replayed as a duplicate on the next pass.
          const removed = yield* Effect.either(Effect.try(() => fs.rmSync(file, { force: true })))
          if (Either.isLeft(removed)) yield* Effect.logWarning(`spool: cannot remove ${path.basename(file)}: ${String(removed.left.error)}`)
        }
        if (interrupted) break
      }
      if (drained > 0) yield* Effect.logInfo(`spool: ${drained} events drained`)
    })

    /** Moves a spooled file that is not a hook event to spool/rejected/, where doctor reports it. */
    const rejectSpooled = (file: string, reason: string) =>
      Effect.gen(function* () {
        const rejected = path.join(paths.spool, "rejected")
        const moved = yield* Effect.either(
          Effect.try(() => {
            fs.mkdirSync(rejected, { recursive: true, mode: 0o700 })
            fs.renameSync(file, path.join(rejected, path.basename(file)))
          })
        )
        yield* Effect.logWarning(
          Either.isRight(moved)
            ? `spool: ${path.basename(file)} is not a hook event (${reason}): moved to spool/rejected/`
            : `spool: ${path.basename(file)} is not a hook event (${reason}) and cannot be moved aside: ${String(moved.left.error)}`
        )
      })

    const spoolWorker = ChildSpec.worker(
      "spool",
      Behavior.make<void, Tick, never>({
        init: (ctx) => Effect.asVoid(ticking(options.spoolInterval)(ctx.self)),
        receive: () => drainSpool
      }),
      { decider: mycoDecider }
    )

    let lastBusyMs = startedMs
    const idleTimeout = config.sessions.idle_timeout
    const maintenanceWorker = ChildSpec.worker(
      "maintenance",
      Behavior.make<void, Tick, SystemError | ConfigError | TransientError>({
        init: (ctx) => Effect.asVoid(ticking(options.maintenanceInterval)(ctx.self)),
        receive: () =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            if (idleTimeout > 0) {
              const idle = yield* store.idleSince(DateTime.unsafeMake(now - idleTimeout))
              for (const id of idle) {
                yield* askTransition(id, "complete", {
                  reason: `idle for ${Duration.format(Duration.millis(idleTimeout))}`,
                  actor: "supervisor"
                }).pipe(Effect.catchAll((e) => Effect.logInfo(`idle completion of ${id} skipped: ${e._tag}`)))
              }
            }
            const counts = yield* store.countByStatus
            const connections = currentServer === undefined ? 0 : yield* currentServer.connections
            if (counts.active > 0 || connections > 0) lastBusyMs = now
            else if (config.daemon.idle_exit > 0 && now - lastBusyMs >= config.daemon.idle_exit) {
              yield* Deferred.succeed(stopSignal, "idle")
            }
          })
      }),
      { decider: mycoDecider }
    )

    const root = yield* Supervisor.start("myco", {
      strategy: "rest_for_one",
      children: [storeWorker, writerWorker, sessionsSpec, socketWorker, spoolWorker, maintenanceWorker],
      intensity: 5,
      period: "30 seconds",
      decider: mycoDecider
    }).pipe(Effect.mapError((e) => new SystemError({ operation: "supervisor.start", message: e.message })))
    yield* Deferred.succeed(rootRef, root)

    writeDaemonInfo(paths, { pid: process.pid, version: options.version, socket: socketPath, startedAt: DateTime.formatIso(startedAt), maxFrameBytes: config.daemon.max_frame_bytes })
    yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(runFiles(paths).daemonJson, { force: true })))
    yield* Effect.logInfo(`serving ${paths.dir} on ${socketPath}`)

    // ---- until told to stop, or until the tree gives up ------------------------------------
    const outcome = yield* Effect.raceFirst(
      Effect.map(Deferred.await(stopSignal), (reason) => ({ _tag: "Stop" as const, reason })),
      Effect.map(Supervisor.awaitExit(root), (reason) => ({ _tag: "TreeEnded" as const, reason }))
    )
    if (outcome._tag === "Stop") {
      yield* Effect.logInfo(`stopping (${outcome.reason}): no new connections`)
      const serving = yield* server
      yield* serving.stopAccepting
      yield* serving.drain
      yield* Effect.logInfo("stopping: requests answered; committing queued captures")
      yield* writer.drain
      yield* Effect.logInfo("stopping: captures committed; stopping the tree")
      yield* Supervisor.stop(root)
      yield* Effect.logInfo("stopped")
      return { _tag: "Stopped" as const, reason: outcome.reason }
    }
    // The root gave up (a system failure escalated, or too many restarts): stop intake, back up.
    const report = `the supervision tree stopped: ${outcome.reason._tag}${outcome.reason._tag === "Failure" ? ` (${JSON.stringify(outcome.reason.failure._tag === "Error" ? outcome.reason.failure.error : String(outcome.reason.failure.defect))})` : ""}`
    const backupFile = path.join(paths.backups, `emergency-${new Date().toISOString().replace(/[:.]/g, "-")}.db`)
    const sqlite = yield* SqliteClient.SqliteClient
    const backup = yield* sqlite.backup(backupFile).pipe(
      Effect.as(backupFile),
      Effect.catchAll(() => Effect.succeed(null))
    )
    return { _tag: "Escalated" as const, report, backup }
  })

/** What a crash left: runs marked running are queued again (their harness died with us). */
const recover = Effect.gen(function* () {
  const sql = yield* SqlClient
  const { filename } = yield* DatabaseSettings
  const requeued = yield* sql<{ readonly id: string }>`UPDATE runs SET status = 'queued', started_at = NULL WHERE status = 'running' RETURNING id`.pipe(
    mapSqlErrors("recovery.runs", filename)
  )
  if (requeued.length > 0) yield* Effect.logWarning(`recovery: ${requeued.length} interrupted runs queued again`)
})
