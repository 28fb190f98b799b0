/** `myco run`, `myco stop`, `myco status`: the supervisor process and what it reports. */
import { Command } from "@effect/cli"
import { Deferred, Duration, Effect, Logger, LogLevel, Option, Schema } from "effect"
import { connect, type SupervisorClient } from "../protocol/Client.js"
import { runDaemon } from "../daemon/Daemon.js"
import { jsonFileLogger } from "../diagnostics/Log.js"
import { formatBytes } from "../lean/DiskSpace.js"
import { statusJson } from "../lean/Documents.js"
import { duration, renderTree, SUPERVISOR_NOT_RUNNING } from "../lean/Render.js"
import { Status, StatusReply, Stop, SupervisorUnavailable } from "../protocol/Protocol.js"
import { isLockHeld } from "../vault/Lock.js"
import { readDaemonInfo } from "../vault/RunFiles.js"
import { VaultContext } from "../vault/VaultContext.js"
import { jsonOption, vaultLayer, vaultOption } from "./Common.js"
import { ExitCode } from "./ExitCodes.js"
import { Output } from "./Output.js"
import { Signals } from "./Signals.js"
import { VERSION } from "./Version.js"

/** Connects to the vault's supervisor, or fails with SupervisorUnavailable. */
export const supervisorClient = Effect.gen(function* () {
  const { paths } = yield* VaultContext
  const info = readDaemonInfo(paths)
  if (info === undefined) return yield* new SupervisorUnavailable({ reason: "it is not running" })
  return yield* connect(info.socket, { client: "myco-cli", timeoutMs: 5000 })
})

const notRunning = Effect.gen(function* () {
  const out = yield* Output
  yield* out.error(SUPERVISOR_NOT_RUNNING)
  yield* out.exitWith(ExitCode.unavailable)
})

/** `myco run`. */
export const runCommand = Command.make("run", { vault: vaultOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const signals = yield* Signals
    const { paths } = yield* VaultContext
    const stopOnSignal = yield* Deferred.make<"signal">()
    yield* Effect.forkDaemon(Effect.flatMap(signals.graceful, () => Deferred.succeed(stopOnSignal, "signal")))
    const result = yield* runDaemon({
      version: VERSION,
      maintenanceInterval: Duration.seconds(5),
      spoolInterval: Duration.seconds(1),
      passivateAfter: Duration.minutes(2),
      probeInterval: Duration.seconds(1),
      stop: Deferred.await(stopOnSignal)
    }).pipe(
      // The CLI's logger (every line once, on stderr) stays; the log file gets each line once too.
      Effect.provide(Logger.add(jsonFileLogger(paths.logs))),
      Logger.withMinimumLogLevel(LogLevel.Info)
    )
    if (result._tag === "Stopped") {
      yield* out.error(`myco: supervisor stopped (${result.reason})`)
      return
    }
    for (const line of result.report) yield* out.error(`myco: ${line}`)
    yield* out.exitWith(ExitCode.software)
  }).pipe(
    Effect.catchTag("AlreadyRunning", (e) =>
      Effect.flatMap(Output, (out) => Effect.zipRight(out.error(`myco: ${e.message}`), out.exitWith(ExitCode.tempFail)))
    ),
    Effect.provide(vaultLayer(o.vault))
  )
).pipe(Command.withDescription("run the supervisor of this vault in the foreground (SIGTERM or `myco stop` ends it gracefully)"))

/** `myco stop`. */
export const stopCommand = Command.make("stop", { vault: vaultOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const { paths } = yield* VaultContext
    const client = yield* Effect.option(supervisorClient)
    if (Option.isNone(client)) {
      yield* out.line("the supervisor is not running")
      return
    }
    const pid = readDaemonInfo(paths)?.pid
    yield* client.value.call(new Stop())
    // Stopped means the vault lock is free: the process has let go of everything.
    for (let waited = 0; isLockHeld(paths); waited += 50) {
      if (waited > 60_000) {
        yield* out.error(`myco: the supervisor (pid ${pid ?? "?"}) is still stopping after 60 s`)
        yield* out.exitWith(ExitCode.tempFail)
        return
      }
      yield* Effect.sleep(Duration.millis(50))
    }
    yield* out.line(`stopped the supervisor${pid === undefined ? "" : ` (pid ${pid})`}`)
  }).pipe(Effect.scoped, Effect.provide(vaultLayer(o.vault)))
).pipe(Command.withDescription("stop the running supervisor gracefully and wait until it has"))

const encodeStatusReply = Schema.encodeSync(StatusReply)

/** The `intake` line of `myco status`: writing, or paused for a full disk. */
const intakeLine = (intake: StatusReply["intake"]): ReadonlyArray<string> => {
  if (intake === undefined) return []
  if (intake.state === "accepting") {
    return [`intake       accepting${intake.pauses > 0 ? ` (paused ${intake.pauses} time${intake.pauses === 1 ? "" : "s"} for a full disk since start)` : ""}`]
  }
  return [
    `intake       PAUSED since ${intake.since ?? "?"}: the vault's disk is full (${intake.reason ?? "no space"})`,
    `             ${intake.refused} requests refused (their hooks spool them); resumes by itself once a write succeeds${intake.lastProbe === undefined ? "" : ` (last probe: ${intake.lastProbe})`}`
  ]
}

/** The `spool` line of `myco status`: what waits, and the reserve. */
const spoolLine = (spool: StatusReply["spool"]): ReadonlyArray<string> => {
  if (spool === undefined) return []
  const reserve =
    spool.reserveTargetBytes === 0
      ? "no reserve"
      : `reserve ${formatBytes(spool.reserveBytes)} of ${formatBytes(spool.reserveTargetBytes)}${spool.reserveBytes < spool.reserveTargetBytes ? " (given to hooks on a full disk; topped up once space returns)" : ""}`
  const fallback = spool.fallbackWaiting > 0 ? `, ${spool.fallbackWaiting} in the fallback spool ${spool.fallback ?? ""}` : ""
  return [`spool        ${spool.waiting} waiting${fallback}; ${reserve}`]
}

/** The `losses` line of `myco status`: only when events were lost. */
const lossLine = (losses: StatusReply["losses"]): ReadonlyArray<string> => {
  if (losses === undefined || losses.lost === 0) return []
  const why = losses.lostForSpace === losses.lost ? "disk full" : losses.lostForSpace === 0 ? "no usable spool" : "disk full, or no usable spool"
  return [`losses       ${losses.lost} events lost (${why}) since ${losses.firstAt ?? "?"}: see \`myco doctor\``]
}

/** `myco status`. */
export const statusCommand = Command.make("status", { vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const client: Option.Option<SupervisorClient> = yield* Effect.option(supervisorClient)
    if (Option.isNone(client)) {
      if (o.json) yield* out.json(statusJson(undefined))
      return yield* notRunning
    }
    const s = yield* client.value.call(new Status())
    if (o.json) {
      yield* out.json({ running: true, ...encodeStatusReply(s) })
      return
    }
    const lines = [
      `supervisor   running, pid ${s.pid}, version ${s.version}, up ${duration(s.uptimeMs)} (since ${s.startedAt})`,
      `vault        ${s.vault}`,
      `socket       ${s.socket}, ${s.connections} connection${s.connections === 1 ? "" : "s"}`,
      `sessions     ${s.sessions.active} active, ${s.sessions.completed} completed, ${s.sessions.processed} processed, ${s.sessions.archived} archived; ${s.sessions.live} live actors`,
      `ingest       queue ${s.ingest.queueDepth}/${s.ingest.queueCapacity}, ${s.ingest.eventsCommitted} events in ${s.ingest.batchesCommitted} commits, ${s.ingest.duplicates} duplicates, ${s.ingest.lateEvents} late`,
      ...intakeLine(s.intake),
      ...spoolLine(s.spool),
      ...lossLine(s.losses),
      `dead letters ${s.deadLetters}`,
      ...(s.harnesses === undefined
        ? []
        : [
            `harnesses    ${s.harnesses.length === 0 ? "none" : ""}`.trimEnd(),
            ...s.harnesses.map(
              (h) =>
                `  ${h.name}  ${h.status}, circuit ${h.circuit}${h.running.length === 0 ? "" : `, running ${h.running.join(", ")}`}${h.status === "ok" ? "" : `: ${h.detail}`}`
            )
          ]),
      "",
      ...renderTree(encodeStatusReply(s).tree, "", true, true)
    ]
    yield* Effect.forEach(lines, out.line, { discard: true })
  }).pipe(Effect.scoped, Effect.provide(vaultLayer(o.vault)))
).pipe(Command.withDescription("show the running supervisor: its tree, sessions, ingest, writes (paused on a full disk), spool, lost events and dead letters"))
