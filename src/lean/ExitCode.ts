/**
 * The exit codes of myco's commands: sysexits(3). Failure classes and domain errors each map to
 * one (cli/ExitCodes.ts); doctor's checks carry the one their failure would give. Effect-free, so
 * that the read path (read/) exits with the very same codes.
 */
/** sysexits(3) codes used by myco. */
export const ExitCode = {
  ok: 0,
  usage: 64,
  dataErr: 65,
  noInput: 66,
  unavailable: 69,
  software: 70,
  cantCreate: 73,
  tempFail: 75,
  noPerm: 77,
  config: 78
} as const

/**
 * Ends the process once what was written to stdout and stderr is flushed, with `process.exitCode`,
 * whatever timers are still armed: how every CLI command ends. A reader that went away (EPIPE,
 * `myco session list | head -1`) ends it the same way, without a trace.
 */
export const exitOnceFlushed = (): void => {
  process.stdout.write("", () => process.stderr.write("", () => process.exit()))
}
