/**
 * Entry point of the hook binary (dist/myco-hook.cjs); see Hook.ts. Requiring the bundle runs the
 * hook with the process's arguments, which is how the project's guard (.agents/myco-run.cjs) runs
 * it in its own process.
 */
import { runHook, warn } from "./Hook.js"

// What the hook creates in the vault (spool, logs, run/) is private, whatever the agent's umask.
process.umask(0o077)

// Whatever happens, the agent gets exit code 0: a hook must never block or fail it.
process.on("uncaughtException", (error) => {
  warn(`unexpected error: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(0)
})
runHook(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    warn(`unexpected error: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(0)
  }
)
