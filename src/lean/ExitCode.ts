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
