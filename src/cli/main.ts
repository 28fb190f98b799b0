/**
 * The `myco` binary: parses the command line, runs the command, and turns its outcome into
 * output and a sysexits exit code.
 */
import { Command, ValidationError } from "@effect/cli"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Cause, Effect, Layer, Logger, LogLevel } from "effect"
import { runCommand, statusCommand, stopCommand } from "./DaemonCommands.js"
import { doctorCommand } from "./DoctorCommand.js"
import { hooksCommand } from "./HooksCommand.js"
import { reportDefect, reportFailure, reportUsage } from "./ExitCodes.js"
import { initCommand } from "./InitCommand.js"
import { layerProcessOutput, Output } from "./Output.js"
import { sessionCommand } from "./SessionCommands.js"
import { installSignals, Signals } from "./Signals.js"
import { VERSION } from "./Version.js"

const myco = Command.make("myco").pipe(
  Command.withDescription("session-lifecycle supervision runtime for coding agents"),
  Command.withSubcommands([initCommand, doctorCommand, sessionCommand, runCommand, stopCommand, statusCommand, hooksCommand])
)

const cli = Command.run(myco, { name: "myco", version: VERSION })

const program = cli(process.argv).pipe(
  Effect.catchAll((failure) =>
    ValidationError.isValidationError(failure) ? reportUsage(failure) : reportFailure(failure)
  ),
  Effect.catchAllCause((cause) => (Cause.isInterruptedOnly(cause) ? Effect.succeed(130) : reportDefect(cause))),
  Effect.flatMap((code) => (typeof code === "number" ? Effect.flatMap(Output, (out) => out.exitWith(code)) : Effect.void)),
  Effect.provide(
    Layer.mergeAll(layerProcessOutput, NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)
  ),
  // Diagnostics (retries, warnings) go to stderr so that --json output stays clean.
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withLeveledConsole(Logger.logfmtLogger))),
  Logger.withMinimumLogLevel(LogLevel.Warning)
)

const signals = installSignals()
signals.attach(Effect.runFork(Effect.provideService(program, Signals, signals.service)))
