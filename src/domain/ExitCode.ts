/** The exit codes of myco's commands (sysexits), defined Effect-free in lean/ExitCode.ts. */
export { ExitCode } from "../lean/ExitCode.js"
