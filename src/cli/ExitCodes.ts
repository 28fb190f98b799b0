/**
 * How command failures reach the user: one clear message on stderr, what to do about it, and a
 * sysexits exit code (docs/architecture.md, failure classes). Never a stack trace, except for a bug (a defect),
 * which is reported as one.
 */
import { ValidationError } from "@effect/cli"
import { Cause, Effect } from "effect"
import type {
  AgentNotAllowed,
  SessionExists,
  SessionNotFound,
  VersionConflict
} from "../domain/Errors.js"
import { type AgentError, type ConfigError, DISK_FULL, type SystemError, type TransientError } from "../domain/Failure.js"
import type { BadFrame, FrameTooDeep, FrameTooLarge, Overloaded, ProtocolViolation, ShuttingDown, SupervisorUnavailable, UnsupportedProtocol } from "../protocol/Protocol.js"
import type { InvalidTransition } from "../domain/Session.js"
import type { RunNotFound } from "../domain/Run.js"
import { Output } from "./Output.js"

export { ExitCode } from "../domain/ExitCode.js"
import { ExitCode } from "../domain/ExitCode.js"

/** Every failure a command can end with. */
export type CommandFailure =
  | ConfigError
  | TransientError
  | SystemError
  | AgentError
  | SessionNotFound
  | RunNotFound
  | SessionExists
  | VersionConflict
  | InvalidTransition
  | AgentNotAllowed
  | BadFrame
  | FrameTooLarge
  | FrameTooDeep
  | Overloaded
  | UnsupportedProtocol
  | ShuttingDown
  | SupervisorUnavailable
  | ProtocolViolation

const exitCodes: { readonly [K in CommandFailure["_tag"]]: number } = {
  ConfigError: ExitCode.config,
  TransientError: ExitCode.tempFail,
  SystemError: ExitCode.software,
  AgentError: ExitCode.software,
  SessionNotFound: ExitCode.noInput,
  RunNotFound: ExitCode.noInput,
  SessionExists: ExitCode.cantCreate,
  VersionConflict: ExitCode.tempFail,
  InvalidTransition: ExitCode.dataErr,
  AgentNotAllowed: ExitCode.noPerm,
  BadFrame: ExitCode.software,
  FrameTooLarge: ExitCode.software,
  FrameTooDeep: ExitCode.software,
  Overloaded: ExitCode.tempFail,
  UnsupportedProtocol: ExitCode.config,
  ShuttingDown: ExitCode.tempFail,
  SupervisorUnavailable: ExitCode.unavailable,
  ProtocolViolation: ExitCode.software
}

/** The exit code of a failure. */
export const exitCodeOf = (failure: CommandFailure): number => exitCodes[failure._tag]

const describe = (failure: CommandFailure): ReadonlyArray<string> => {
  switch (failure._tag) {
    case "ConfigError":
      return [`myco: ${failure.message}`, `  hint: ${failure.hint}`, `  fix:  ${failure.fix}`]
    case "TransientError":
      return failure.code === DISK_FULL
        ? [`myco: ${failure.message} (${failure.operation})`, "  hint: free some space on the vault's disk, then try again; `myco doctor` shows what is waiting"]
        : [`myco: ${failure.message} (${failure.operation}, still failing after retries)`, "  hint: try again in a moment"]
    case "SystemError":
      return [
        `myco: system failure in ${failure.operation}: ${failure.message}`,
        `  hint: ${failure.hint ?? "the vault may be damaged or the disk full; diagnose with `myco doctor`"}`,
        ...(failure.fix === undefined ? [] : [`  fix:  ${failure.fix}`])
      ]
    case "AgentError":
      return [`myco: ${failure.actor} failed: ${failure.message}`]
    case "AgentNotAllowed":
      return [`myco: ${failure.message}`, "  hint: add the agent to agents.allowed in .myco/myco.yaml"]
    default:
      return [`myco: ${failure.message}`]
  }
}

/** Reports a failure on stderr and returns its exit code. */
export const reportFailure = (failure: CommandFailure): Effect.Effect<number, never, Output> =>
  Effect.gen(function* () {
    const output = yield* Output
    for (const line of describe(failure)) yield* output.error(line)
    return exitCodeOf(failure)
  })

/** Usage errors: @effect/cli has printed what is wrong already; add how to get help. */
export const reportUsage = (error: ValidationError.ValidationError): Effect.Effect<number, never, Output> =>
  Effect.gen(function* () {
    const output = yield* Output
    if (ValidationError.isHelpRequested(error)) return ExitCode.ok
    yield* output.error("  hint: see `myco --help`, or `myco <command> --help`")
    return ExitCode.usage
  })

/** A bug: report it with its cause so that it can be fixed. */
export const reportDefect = (cause: Cause.Cause<unknown>): Effect.Effect<number, never, Output> =>
  Effect.gen(function* () {
    const output = yield* Output
    yield* output.error(`myco: internal error (a bug in myco; please report it):\n${Cause.pretty(cause)}`)
    return ExitCode.software
  })
