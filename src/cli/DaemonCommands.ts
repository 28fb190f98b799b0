/** `myco run`, `myco stop`, `myco status`: the supervisor process and what it reports. */
import { Command } from "@effect/cli"
import { Deferred, Duration, Effect, Logger, LogLevel, Option, Schema } from "effect"
import { connect, type SupervisorClient } from "../protocol/Client.js"
import { runDaemon } from "../daemon/Daemon.js"
import { jsonFileLogger } from "../diagnostics/Log.js"
import { statusJson } from "../lean/Documents.js"
import { renderStatus, SUPERVISOR_NOT_RUNNING } from "../lean/Render.js"
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
    yield* out.error(`myco: ${result.report}`)
    yield* out.error(result.backup === null ? "myco: the emergency backup failed" : `myco: emergency backup: ${result.backup}`)
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

/** `myco status`. */
export const statusCommand = Command.make("status", { vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const client: Option.Option<SupervisorClient> = yield* Effect.option(supervisorClient)
    if (Option.isNone(client)) {
      if (o.json) yield* out.json(statusJson(undefined))
      return yield* notRunning
    }
    // The document and the lines of lean/, which the read path prints too.
    const reply = encodeStatusReply(yield* client.value.call(new Status()))
    if (o.json) yield* out.json(statusJson(reply))
    else yield* Effect.forEach(renderStatus(reply), out.line, { discard: true })
  }).pipe(Effect.scoped, Effect.provide(vaultLayer(o.vault)))
).pipe(Command.withDescription("show the running supervisor: its tree, sessions, ingest and dead letters"))
