/**
 * `myco run`: the supervisor process of one vault, as composition only. It takes the vault lock
 * (one supervisor per vault), builds the services as layers, recovers what a crash left, starts
 * the supervision tree of the workers in daemon/workers/ and serves the socket through the router
 * until it is told to stop (SIGTERM/SIGINT, `myco stop`) or has been idle long enough. Stopping is
 * graceful: stop accepting, let every request in flight finish, commit every queued capture, stop
 * the tree in reverse order, close the database, remove the socket and daemon.json. A system
 * failure escalated to the root stops intake, takes an emergency backup of the database and ends
 * the process with a report; a backup that cannot fit is skipped, saying so (daemon/EmergencyBackup.ts). When the database was found damaged (the store watches its file:
 * see store/sqlite/DatabaseFile.ts), nothing is acknowledged from then on, the emergency backup is
 * taken through the supervisor's own connection (checked, or salvaged row by row), and
 * `.myco/damaged.json` records it all: no supervisor serves on that database again until
 * `myco doctor --fix` has rebuilt it. A damaged or missing database is refused on start, before
 * anything is served, with the command that repairs it.
 * A full disk is not a system failure: it pauses the writes (capture/IntakePause.ts) until space is
 * freed, and the supervisor goes on.
 *
 * The tree (rest_for_one at the root: a child's restart restarts the ones started after it, which
 * depend on it):
 *
 *   myco
 *   ├── store            WAL checkpoints of the database
 *   ├── capture-writer   the group-commit loop of captured events
 *   ├── sessions         dynamic: one actor per live session, passivated when idle
 *   ├── socket-server    the Unix socket
 *   ├── spool            drains the events hooks spooled while no supervisor answered
 *   ├── maintenance      completes idle sessions, and stops the supervisor when it is idle
 *   └── harnesses        one actor per harness, owning its runs (last: its restarts reach no one)
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { type ExitReason, Snapshot, Supervisor } from "../actor/index.js"
import { Clock, DateTime, Deferred, type Duration, Effect, Either, Layer, Schema, type Scope } from "effect"
import { CaptureWriter, layerCaptureWriter } from "../capture/CaptureWriter.js"
import { IntakePause, layerIntakePause } from "../capture/IntakePause.js"
import { makeLossHarvest } from "../capture/LossHarvest.js"
import { ConfigError, DISK_FULL, SystemError, TransientError } from "../domain/Failure.js"
import { layerRunTokens, RunTokens } from "../harness/RunTokens.js"
import { freeBytes, isNoSpace } from "../lean/DiskSpace.js"
import { ensureFallbackDirs, type FallbackPaths, fallbackPathsOf } from "../lean/FallbackSpool.js"
import { LOST_DIR } from "../lean/Losses.js"
import { RESERVE_FILE, SPOOL_FILE } from "../lean/Spool.js"
import type { StatusReply } from "../protocol/Protocol.js"
import { layerDirect, SessionLifecycle } from "../session/Lifecycle.js"
import { completeIdleSessions } from "../session/IdleCompletion.js"
import { makeSessions } from "../session/Sessions.js"
import { layerCommitObserver, layerWatchHub, WatchHub } from "../session/WatchHub.js"
import { mycoDecider } from "../session/Decider.js"
import { EventStore } from "../store/EventStore.js"
import { LossStore } from "../store/LossStore.js"
import { type CopiedTable, type EmergencyCopy, Maintenance } from "../store/Maintenance.js"
import type { RefusalStore } from "../store/RefusalStore.js"
import { RunStore } from "../store/RunStore.js"
import { SessionStore } from "../store/SessionStore.js"
import { layerStores } from "../store/sqlite/index.js"
import type { StoreFailure } from "../store/StoreFailure.js"
import { ensurePrivateDir, writePrivateAtomic } from "../lean/SafeFs.js"
import { type DamageRecord, type EmergencyBackupRecord, refuseRecordedDamage, writeDamageRecord } from "../vault/DamageRecord.js"
import { acquireVaultLock } from "../vault/Lock.js"
import { claimSocketPath, readDaemonInfo, runFiles, writeDaemonInfo } from "../vault/RunFiles.js"
import type { VaultPaths } from "../vault/Vault.js"
import { configuredBoundary, VaultContext } from "../vault/VaultContext.js"
import { backupRoom } from "./EmergencyBackup.js"
import { router } from "./Router.js"
import { captureWriterWorker } from "./workers/CaptureWriterWorker.js"
import { maintenanceWorker } from "./workers/MaintenanceWorker.js"
import { socketWorker } from "./workers/SocketWorker.js"
import { spoolWorker } from "./workers/SpoolWorker.js"
import { storeWorker } from "./workers/StoreWorker.js"
import { harnessesWorker } from "./workers/HarnessesWorker.js"
import { discoverManifests } from "../harness/Manifests.js"
import { GatewayFactory } from "../harness/GatewayFactory.js"
import { layerVaultGateway } from "../harness/GatewayLive.js"
import { reapOrphans } from "../harness/Orphans.js"
import type { Runtimes } from "../harness/Runtime.js"
import { layerDefaultRuntimes } from "../harness/runtimes/index.js"

/** Another supervisor holds the vault. */
export class AlreadyRunning extends Schema.TaggedError<AlreadyRunning>()("AlreadyRunning", { pid: Schema.NullOr(Schema.Int) }) {
  override get message(): string {
    return `already running (pid ${this.pid ?? "unknown: it is starting"})`
  }
}

/** Why the supervisor stopped. */
export type StopReason = "signal" | "stop-request" | "idle"

/** How the supervisor ended. */
export type DaemonExit =
  | { readonly _tag: "Stopped"; readonly reason: StopReason }
  | {
      readonly _tag: "Escalated"
      /** The report, line by line, for stderr (it is in the log too). */
      readonly report: ReadonlyArray<string>
      /** The database was found damaged (and `.myco/damaged.json` says so). */
      readonly damaged: boolean
    }

/** Settings of a supervisor process. */
export interface DaemonOptions {
  readonly version: string
  /** How often maintenance runs (idle completion, idle exit). */
  readonly maintenanceInterval: Duration.DurationInput
  /** How often the spool is looked at (it is also drained on start). */
  readonly spoolInterval: Duration.DurationInput
  /** How long an idle session actor stays in memory. */
  readonly passivateAfter: Duration.DurationInput
  /** How often writes paused for a full disk are tried again. */
  readonly probeInterval: Duration.DurationInput
  /** Completes when the process is told to stop (a signal). */
  readonly stop: Effect.Effect<"signal">
}

/** Free space the vault's disk must have again before a paused supervisor tries to write. */
const RESUME_FREE_BYTES = 1024 * 1024

/** Waits up to 10 s for the holder of the lock to write daemon.json, for the "already running" message. */
const holderPid = (paths: VaultPaths) =>
  Effect.gen(function* () {
    for (let i = 0; i < 100; i++) {
      const info = readDaemonInfo(paths)
      if (info !== undefined) return info.pid
      yield* Effect.sleep("100 millis")
    }
    return null
  })

/** Runs the supervisor until it stops; fails when the vault is held by another or cannot be served. */
export const runDaemon = (options: DaemonOptions): Effect.Effect<DaemonExit, AlreadyRunning | StoreFailure, VaultContext> =>
  Effect.scoped(
    Effect.gen(function* () {
      const vault = yield* VaultContext
      const { paths, config } = vault
      // The supervisor's own directories are used only as real, private directories of ours: a
      // link (to somewhere another user controls) or another user's directory is never followed.
      for (const dir of [paths.run, paths.spool]) {
        const check = ensurePrivateDir(dir)
        if (!check.ok) {
          return yield* new ConfigError({
            message: `the vault directory ${dir} ${check.reason}: myco will not use it`,
            hint: "move it aside (it may have been planted) and let myco create it again",
            fix: `mv ${dir} ${dir}.suspect && myco doctor --fix`,
            path: dir
          })
        }
      }
      yield* acquireVaultLock(paths).pipe(Effect.catchTag("LockHeld", () => Effect.flatMap(holderPid(paths), (pid) => Effect.fail(new AlreadyRunning({ pid })))))
      // A database found damaged under a supervisor stays refused until it is rebuilt: a deleted
      // or replaced file would otherwise open as a new, empty one and hide the loss.
      yield* refuseRecordedDamage(paths)
      // We hold the lock: whatever run/ still has is from a supervisor that is gone.
      const files = runFiles(paths)
      const claimed = claimSocketPath(paths)
      if (!claimed.ok) {
        return yield* new ConfigError({
          message: `no private directory for the supervisor's socket: ${claimed.reason}`,
          hint: "the vault's path is too long for a socket in run/, and the short socket directories under the temp dir are not ours; remove them, or set TMPDIR to a directory of yours",
          fix: "myco doctor"
        })
      }
      const socketPath = claimed.path
      for (const stale of [socketPath, files.daemonJson]) fs.rmSync(stale, { force: true })

      const stores = layerStores({
        filename: paths.db,
        busyTimeoutMs: config.store.busy_timeout_ms,
        retry: { attempts: config.store.retry_attempts, baseDelayMs: config.store.retry_base_delay_ms },
        migrate: true,
        create: false,
        owner: true
      })
      const intake = layerIntakePause({
        probeEvery: options.probeInterval,
        minFreeBytes: RESUME_FREE_BYTES,
        freeBytes: Effect.sync(() => freeBytes(paths.dir))
      })
      const services = Layer.mergeAll(
        layerDirect,
        layerDefaultRuntimes,
        layerVaultGateway,
        layerCaptureWriter({ queueCapacity: config.daemon.ingest_queue, maxBatchEvents: config.daemon.max_batch_events }).pipe(
          Layer.provide(layerCommitObserver)
        )
      ).pipe(
        Layer.provideMerge(layerRunTokens),
        Layer.provideMerge(intake),
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
  | RunStore
  | RefusalStore
  | Maintenance
  | CaptureWriter
  | WatchHub
  | VaultContext
  | Runtimes
  | GatewayFactory
  | RunTokens
  | LossStore
  | IntakePause

/** How many spool files `dir` holds; none when it cannot be read (a missing spool is an empty one). */
const countSpooled = (dir: string | undefined): number => {
  if (dir === undefined) return 0
  try {
    return fs.readdirSync(dir).filter((name) => SPOOL_FILE.test(name)).length
  } catch {
    return 0
  }
}

/** The size of `file`, 0 when there is none. */
const sizeOrZero = (file: string): number => {
  try {
    return fs.lstatSync(file).size
  } catch {
    return 0
  }
}

/**
 * Makes the vault's fallback folders ahead of need (a hook on a full disk may not be able to), and
 * names the vault in it; says why not when they cannot be made.
 */
const prepareFallback = (vaultDir: string) =>
  Effect.gen(function* () {
    const fallback = fallbackPathsOf(vaultDir, process.env)
    if (fallback === undefined) {
      yield* Effect.logWarning("spool: no fallback spool (neither XDG_STATE_HOME nor HOME is set): on a full vault disk, hook events may be lost")
      return undefined
    }
    const dirs = ensureFallbackDirs(fallback)
    if (!dirs.ok) {
      yield* Effect.logWarning(`spool: the fallback spool cannot be used: ${dirs.reason} (see \`myco doctor\`)`)
      return fallback
    }
    if (!fs.existsSync(fallback.vaultFile)) {
      const named = yield* Effect.either(Effect.try(() => writePrivateAtomic(fallback.vaultFile, `${vaultDir}\n`)))
      if (named._tag === "Left") yield* Effect.logWarning(`spool: cannot name the vault in ${fallback.vaultFile}: ${String(named.left.error)}`)
    }
    return fallback
  })

const serveVault = (options: DaemonOptions, socketPath: string): Effect.Effect<DaemonExit, StoreFailure, Services | Scope.Scope> =>
  Effect.gen(function* () {
    const vault = yield* VaultContext
    const { paths, config } = vault
    const lifecycle = yield* SessionLifecycle
    const store = yield* SessionStore
    const writer = yield* CaptureWriter
    const hub = yield* WatchHub
    const maintenance = yield* Maintenance
    const runs = yield* RunStore
    const tokens = yield* RunTokens
    const losses = yield* LossStore
    const intake = yield* IntakePause
    const startedAt = yield* DateTime.now
    const startedMs = DateTime.toEpochMillis(startedAt)
    const stopSignal = yield* Deferred.make<StopReason>()
    yield* Effect.forkScoped(Effect.flatMap(options.stop, (reason) => Deferred.succeed(stopSignal, reason)))

    // ---- the database is whole (damage made while no supervisor ran shows here) --------------
    yield* maintenance.quickCheck

    // ---- what a crash left ------------------------------------------------------------------
    // Harness processes a killed supervisor left running are ended first (their records say which,
    // with the identity that keeps a recycled pid safe).
    const reaped = yield* reapOrphans(paths.run)
    if (reaped.length > 0) yield* Effect.logWarning(`recovery: ${reaped.filter((r) => r.killed).length} harness processes a previous supervisor left were ended`)
    const requeued = yield* runs.requeueInterrupted
    if (requeued.length > 0) yield* Effect.logWarning(`recovery: ${requeued.length} interrupted runs queued again`)
    // Sessions left active by a crash (or idle while no supervisor ran) are completed before serving.
    yield* completeIdleSessions(
      config.sessions.idle_timeout,
      (id, reason) =>
        lifecycle
          .transition(id, "complete", { reason, actor: "supervisor" })
          .pipe(Effect.asVoid, Effect.catchAll((e) => Effect.logInfo(`idle completion of ${id} on start skipped: ${e._tag}`))),
      (idle) => `idle for over ${idle} (found on start)`
    )

    // Hook events that could be kept nowhere while no supervisor ran: recorded, and said.
    const fallback: FallbackPaths | undefined = yield* prepareFallback(paths.dir)
    const lostDirs = [path.join(paths.spool, LOST_DIR), ...(fallback === undefined ? [] : [fallback.lost])]
    const vaultLost = ensurePrivateDir(path.join(paths.spool, LOST_DIR))
    if (!vaultLost.ok) yield* Effect.logWarning(`losses: ${path.join(paths.spool, LOST_DIR)} ${vaultLost.reason}: hooks will count their losses elsewhere`)
    const harvester = makeLossHarvest(lostDirs)
    yield* harvester.harvest.pipe(Effect.catchAll((e) => Effect.logWarning(`losses: the losses hooks counted are not recorded yet: ${e.message}`)))
    yield* harvester.prepare
    const lost = yield* Effect.either(losses.summary)
    if (lost._tag === "Right" && lost.right.lost > 0) {
      const since = lost.right.firstAt === undefined ? "" : ` since ${DateTime.formatIso(lost.right.firstAt)}`
      yield* Effect.logWarning(
        `${lost.right.lost} hook events lost${lost.right.lostForSpace === lost.right.lost ? " (disk full)" : ""}${since}: see \`myco doctor\` (\`myco doctor --fix\` acknowledges them)`
      )
    }

    // ---- the tree ---------------------------------------------------------------------------
    const sessions = yield* makeSessions({ passivateAfter: options.passivateAfter, unattributedBoundary: configuredBoundary(paths, config) })
    const rootRef = yield* Deferred.make<Supervisor.Supervisor>()
    const discovery = discoverManifests(paths.root, config)
    for (const e of discovery.entries) if (e._tag === "Invalid") yield* Effect.logWarning(`harness ${e.name} (${e.source}) is invalid: ${e.problems.join("; ")}`)
    const harnesses = yield* harnessesWorker({ entries: discovery.entries, config, projectRoot: paths.root, vaultDir: paths.dir })
    const socket = yield* socketWorker({
      path: socketPath,
      maxFrameBytes: config.daemon.max_frame_bytes,
      maxFrameDepth: config.daemon.max_frame_depth,
      maxInFlight: 256,
      maxConnections: config.daemon.max_connections,
      maxBufferedBytes: config.daemon.max_buffered_bytes
    })

    const status: Effect.Effect<StatusReply, SystemError | ConfigError | TransientError> = Effect.gen(function* () {
      const root = yield* Deferred.await(rootRef)
      const snapshot = yield* Supervisor.snapshot(root, { maxChildren: 100 })
      const counts = yield* store.countByStatus
      const ingest = yield* writer.stats
      const now = yield* Clock.currentTimeMillis
      const pause = yield* intake.state
      const summary = yield* losses.summary
      return {
        pid: process.pid,
        version: options.version,
        startedAt: DateTime.formatIso(startedAt),
        uptimeMs: now - startedMs,
        socket: socketPath,
        vault: paths.dir,
        tree: snapshot,
        sessions: { ...counts, live: Snapshot.find(snapshot, "myco/sessions")?.childCount ?? 0 },
        ingest,
        deadLetters: Snapshot.flatten(snapshot).reduce((n, s) => n + s.deadLetters, 0),
        connections: yield* socket.connections,
        harnesses: yield* harnesses.harnesses.list,
        intake:
          pause._tag === "Accepting"
            ? { state: "accepting" as const, refused: 0, probes: 0, pauses: pause.pauses }
            : {
                state: "paused" as const,
                since: new Date(pause.since).toISOString(),
                reason: pause.reason,
                refused: pause.refused,
                probes: pause.probes,
                ...(pause.lastProbe === undefined ? {} : { lastProbe: pause.lastProbe }),
                pauses: pause.pauses
              },
        spool: {
          waiting: countSpooled(paths.spool),
          fallbackWaiting: countSpooled(fallback?.spool),
          fallback: fallback?.spool ?? null,
          reserveBytes: sizeOrZero(path.join(paths.spool, RESERVE_FILE)),
          reserveTargetBytes: config.daemon.spool_reserve_bytes
        },
        losses: {
          lost: summary.lost,
          lostForSpace: summary.lostForSpace,
          ...(summary.firstAt === undefined ? {} : { firstAt: DateTime.formatIso(summary.firstAt) }),
          ...(summary.lastAt === undefined ? {} : { lastAt: DateTime.formatIso(summary.lastAt) }),
          acknowledged: summary.acknowledged,
          pauses: summary.pauses
        }
      }
    })
    const handler = router({
      version: options.version,
      lifecycle,
      sessions,
      hub,
      intake,
      status,
      harnesses: harnesses.harnesses,
      stop: Effect.asVoid(Deferred.succeed(stopSignal, "stop-request")),
      tokens,
      // A tool's answer is one frame, bounded as the frames the supervisor accepts.
      maxToolOutputBytes: config.daemon.max_frame_bytes
    })
    const maintenanceSpec = yield* maintenanceWorker({
      every: options.maintenanceInterval,
      idleTimeoutMs: config.sessions.idle_timeout,
      idleExitMs: config.daemon.idle_exit,
      store,
      complete: (id, reason) =>
        sessions.transition(id, "complete", { reason, actor: "supervisor" }).pipe(
          Effect.asVoid,
          Effect.catchAll((e) => Effect.logInfo(`idle completion of ${id} skipped: ${e._tag}`))
        ),
      connections: socket.connections,
      idle: Effect.asVoid(Deferred.succeed(stopSignal, "idle")),
      paused: intake.paused
    })

    const root = yield* Supervisor.start("myco", {
      strategy: "rest_for_one",
      children: [
        storeWorker({
          maintenance,
          intake,
          checkpointEveryMs: config.store.checkpoint_interval,
          quickCheckEveryMs: config.store.quick_check_interval
        }),
        captureWriterWorker(writer),
        sessions.spec,
        socket.spec(handler),
        spoolWorker(
          {
            drain: {
              spoolDir: paths.spool,
              ...(fallback === undefined ? {} : { fallbackSpoolDir: fallback.spool }),
              maxFileBytes: config.daemon.max_frame_bytes + 64 * 1024,
              maxDepth: config.daemon.max_frame_depth,
              submit: sessions.submitHook
            },
            lostDirs,
            reserveBytes: config.daemon.spool_reserve_bytes,
            intake
          },
          options.spoolInterval
        ),
        maintenanceSpec,
        harnesses.spec
      ],
      intensity: 5,
      period: "30 seconds",
      decider: mycoDecider
    }).pipe(Effect.mapError((e) => new SystemError({ operation: "supervisor.start", message: e.message })))
    yield* Deferred.succeed(rootRef, root)
    yield* sessions.bind(root)
    yield* harnesses.bind(root)

    yield* Effect.try({
      try: () =>
        writeDaemonInfo(paths, {
          pid: process.pid,
          version: options.version,
          socket: socketPath,
          startedAt: DateTime.formatIso(startedAt),
          maxFrameBytes: config.daemon.max_frame_bytes,
          maxFrameDepth: config.daemon.max_frame_depth
        }),
      catch: (cause) =>
        isNoSpace(cause)
          ? new TransientError({ operation: "daemon.json", code: DISK_FULL, message: `cannot write ${runFiles(paths).daemonJson}: the vault's disk is full (${String(cause)})` })
          : new SystemError({ operation: "daemon.json", message: `cannot write ${runFiles(paths).daemonJson}: ${String(cause)}`, resource: runFiles(paths).daemonJson })
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(runFiles(paths).daemonJson, { force: true })))
    yield* Effect.logInfo(`serving ${paths.dir} on ${socketPath}`)

    // ---- until told to stop, or until the tree gives up ------------------------------------
    const outcome = yield* Effect.raceFirst(
      Effect.map(Deferred.await(stopSignal), (reason) => ({ _tag: "Stop" as const, reason })),
      Effect.map(Supervisor.awaitExit(root), (reason) => ({ _tag: "TreeEnded" as const, reason }))
    )
    if (outcome._tag === "Stop") {
      yield* Effect.logInfo(`stopping (${outcome.reason}): no new connections`)
      const serving = yield* socket.current
      yield* serving.stopAccepting
      yield* serving.drain
      yield* Effect.logInfo("stopping: requests answered; committing queued captures")
      yield* writer.drain
      yield* Effect.logInfo("stopping: captures committed; stopping the tree")
      yield* Supervisor.stop(root)
      yield* Effect.logInfo("stopped")
      return { _tag: "Stopped" as const, reason: outcome.reason }
    }
    // The root gave up (a system failure escalated, or too many restarts): the store refuses
    // every write from the failure on, so nothing more is acknowledged; look at it, back it up.
    return yield* escalated(outcome.reason, maintenance, paths)
  })

/** The failure that stopped the tree, when it was one. */
const failureOf = (reason: ExitReason.ExitReason): unknown =>
  reason._tag === "Failure" ? (reason.failure._tag === "Error" ? reason.failure.error : reason.failure.defect) : undefined

const describeFailure = (failure: unknown): string =>
  failure instanceof SystemError || failure instanceof ConfigError
    ? `${failure._tag}: ${failure.message}`
    : typeof failure === "object" && failure !== null && "message" in failure && typeof failure.message === "string"
      ? failure.message
      : String(failure)

const relative = (paths: VaultPaths, file: string) => path.relative(paths.root, file) || file

const tableSummary = (tables: ReadonlyArray<CopiedTable>): string =>
  tables.map((t) => `${t.rows} ${t.table}${t.lost === null ? " (lost: unknown)" : t.lost > 0 ? ` (${t.lost} lost)` : ""}`).join(", ")

/** What the emergency copy became, in one sentence, and as recorded. */
const describeCopy = (paths: VaultPaths, copy: EmergencyCopy): EmergencyBackupRecord => {
  switch (copy._tag) {
    case "Copied":
      return {
        kind: "copy",
        file: copy.file,
        tables: copy.tables,
        note: `emergency backup ${relative(paths, copy.file)}: the whole database as this supervisor last saw it, checked (PRAGMA quick_check ok): ${tableSummary(copy.tables)}`
      }
    case "Salvaged":
      return {
        kind: "salvage",
        file: copy.file,
        tables: copy.tables,
        note: `the emergency backup failed (${copy.copyProblem}); what this supervisor could still read was salvaged into ${relative(paths, copy.file)}: ${tableSummary(copy.tables)}`
      }
    case "Failed":
      return { kind: "none", file: null, tables: [], note: `the emergency backup failed (${copy.copyProblem}), and so did the salvage of what could be read (${copy.salvageProblem})` }
  }
}

/**
 * After the tree gave up: what is wrong with the store (the failure is damage, or the store finds
 * its files damaged now), the emergency copy, the damage record when it is damage, the report.
 */
const escalated = (reason: ExitReason.ExitReason, maintenance: Maintenance["Type"], paths: VaultPaths) =>
  Effect.gen(function* () {
    const failure = failureOf(reason)
    const health = yield* maintenance.inspect(failure)
    const now = new Date()
    const backupFile = path.join(paths.backups, `emergency-${now.toISOString().replace(/[:.]/g, "-")}.db`)
    ensurePrivateDir(paths.backups)
    // A copy that plainly cannot fit is not tried: it would only take the last free space.
    const room = backupRoom(paths)
    const backup: EmergencyBackupRecord = room.fits
      ? describeCopy(paths, yield* maintenance.emergencyCopy(backupFile))
      : { kind: "none", file: null, tables: [], note: `emergency backup skipped: ${room.reason}` }
    const lines: Array<string> = []
    if (health.damaged) {
      const findings = health.findings.length > 0 ? health.findings : [describeFailure(failure)]
      const record: DamageRecord = { detectedAt: now.toISOString(), pid: process.pid, findings, replaced: health.replaced, emergencyBackup: backup }
      const written = yield* Effect.either(Effect.try(() => writeDamageRecord(paths, record)))
      lines.push(`the vault database is damaged: ${findings[0] ?? ""}`)
      for (const finding of findings.slice(1)) lines.push(`  also: ${finding}`)
      lines.push("nothing was acknowledged once it was found: the hooks keep those events in the spool")
      lines.push(backup.note)
      lines.push(
        Either.isRight(written)
          ? `the supervisor will not serve on this database again (${relative(paths, paths.damaged)} says why): run \`myco doctor --fix\` to rebuild it from every readable row; the damaged file is kept in ${relative(paths, paths.backups)}/`
          : `cannot write ${paths.damaged} (${describeFailure(written.left.error)}): do not start the supervisor again before \`myco doctor --fix\` has rebuilt the database`
      )
    } else {
      lines.push(`the supervision tree stopped: ${reason._tag}${failure === undefined ? "" : ` (${describeFailure(failure)})`}`)
      for (const finding of health.findings) lines.push(`  found: ${finding}`)
      lines.push(backup.note)
    }
    yield* Effect.logError(lines.join("\n"))
    return { _tag: "Escalated" as const, report: lines, damaged: health.damaged }
  })
