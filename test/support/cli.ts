/**
 * Running the built `myco` binary as a user would: a real process, in a temp project, with its
 * own MYCO_HOME and state directory so that tests never touch the developer's machine id or
 * their fallback spools.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

/** The built CLI (`npm test` builds it first). */
export const mycoBin = path.join(repoRoot, "dist", "myco.cjs")

/** The outcome of one run. */
export interface RunResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * A temp project directory with its own MYCO_HOME and state directory (XDG_STATE_HOME, where the
 * fallback spool goes); removed by `cleanup`.
 */
export interface TempProject {
  readonly dir: string
  readonly env: NodeJS.ProcessEnv
  readonly cleanup: () => void
}

/** Makes a temp project (no vault yet). */
export const tempProject = (prefix = "myco-test-"): TempProject => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  const env: NodeJS.ProcessEnv = { ...process.env, MYCO_HOME: path.join(dir, ".home"), XDG_STATE_HOME: path.join(dir, ".state"), MYCO_VAULT_DIR: "" }
  return { dir, env, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** Runs `myco args...` to completion. */
export const myco = (
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly uid?: number; readonly gid?: number }
): RunResult => {
  const result = spawnSync(process.execPath, [mycoBin, ...args], {
    cwd: options.cwd,
    env: options.env,
    encoding: "utf8",
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid })
  })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Runs `node script args...` with `stdin` (a string, bytes, or nothing at all); resolves when it exits. */
export const runNode = (
  script: string,
  args: ReadonlyArray<string>,
  stdin: string | Buffer | undefined,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }
): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: options.cwd, env: options.env })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (status) => resolve({ status, stdout, stderr }))
    // A process that has what it needs may exit before reading everything: that is not a failure.
    child.stdin.on("error", () => undefined)
    if (stdin !== undefined) child.stdin.write(stdin)
    child.stdin.end()
  })

/** Starts `myco args...` without waiting; resolves when it exits. */
export const mycoAsync = (
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }
): Promise<RunResult> => runNode(mycoBin, args, undefined, options)

/** Runs myco and parses its stdout as JSON, failing loudly with its stderr when it did not succeed. */
export const mycoJson = (
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }
): unknown => {
  const result = myco([...args, "--json"], options)
  if (result.status !== 0) throw new Error(`myco ${args.join(" ")} exited ${result.status}: ${result.stderr}`)
  return JSON.parse(result.stdout)
}
