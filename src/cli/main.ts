/**
 * The `myco` binary: parses the command line, runs the command, and turns its outcome into
 * output and a sysexits exit code. Everything it creates is private to the user unless it says
 * otherwise (umask 077: the vault holds captured sessions; see vault/Permissions.ts); its
 * diagnostics and logs go to stderr, each line once; colours only reach a terminal, and none
 * with NO_COLOR; `--wizard` needs a terminal to ask its questions on.
 */
import { Command, ValidationError } from "@effect/cli"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import { Cause, Effect, Layer, Logger, LogLevel } from "effect"
import { rememberUserUmask } from "../vault/Permissions.js"
import { runCommand, statusCommand, stopCommand } from "./DaemonCommands.js"
import { doctorCommand } from "./DoctorCommand.js"
import { hooksCommand } from "./HooksCommand.js"
import { reportDefect, reportFailure, reportUsage } from "./ExitCodes.js"
import { initCommand } from "./InitCommand.js"
import { ExitCode } from "./ExitCodes.js"
import { mcpCommand } from "./McpCommand.js"
import { layerProcessOutput, Output, plainWhereNeeded } from "./Output.js"
import { sessionCommand } from "./SessionCommands.js"
import { harnessCommand, runsCommand } from "./HarnessCommands.js"
import { installSignals, Signals } from "./Signals.js"
import { VERSION } from "./Version.js"

// First of all: nothing this process creates is readable by other users (project files that
// myco writes outside its vault get the user's own umask back, see install/Installer.ts).
rememberUserUmask(process.umask(0o077))

const myco = Command.make("myco").pipe(
  Command.withDescription("session-lifecycle supervision runtime for coding agents"),
  Command.withSubcommands([initCommand, doctorCommand, sessionCommand, runCommand, stopCommand, statusCommand, hooksCommand, harnessCommand, runsCommand, mcpCommand])
)

const cli = Command.run(myco, { name: "myco", version: VERSION })

/**
 * `--wizard` asks its questions on stdin: without a terminal there (stdin closed, piped, a CI job)
 * it would wait for ever, so it is refused as a usage error instead.
 */
const wizardWithoutTerminal = process.argv.slice(2).includes("--wizard") && (process.stdin.isTTY !== true || process.stdout.isTTY !== true)

const refuseWizard = Effect.gen(function* () {
  const out = yield* Output
  yield* out.error("myco: --wizard asks its questions on a terminal, and stdin or stdout is not one")
  yield* out.error("  hint: run it in a terminal, or give the command its arguments (see `myco --help`)")
  return ExitCode.usage
})

const program = (wizardWithoutTerminal ? refuseWizard : cli(process.argv)).pipe(
  Effect.catchAll((failure) =>
    ValidationError.isValidationError(failure) ? reportUsage(failure) : reportFailure(failure)
  ),
  Effect.catchAllCause((cause) => (Cause.isInterruptedOnly(cause) ? Effect.succeed(130) : reportDefect(cause))),
  Effect.flatMap((code) => (typeof code === "number" ? Effect.flatMap(Output, (out) => out.exitWith(code)) : Effect.void)),
  Effect.provide(
    Layer.mergeAll(layerProcessOutput, NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer)
  ),
  // Diagnostics (retries, warnings, the supervisor's log lines) go to stderr, whatever their
  // level, so that stdout holds only the command's data (--json stays clean).
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger))),
  Logger.withMinimumLogLevel(LogLevel.Warning),
  // @effect/cli renders help and usage errors in colour, always: plain where colours do not belong.
  (self) => Effect.consoleWith((console) => Effect.withConsole(self, plainWhereNeeded(console)))
)

const signals = installSignals()
signals.attach(Effect.runFork(Effect.provideService(program, Signals, signals.service)))
