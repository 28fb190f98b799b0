/**
 * Running `myco run` for real in tests: a child process on a temp vault, waited for until its
 * socket answers, stopped with a signal or killed.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { mycoBin, type TempProject } from "./cli.js"

/** A running supervisor process. */
export interface RunningDaemon {
  readonly child: ChildProcess
  readonly socket: string
  readonly stderr: () => string
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The socket the vault's supervisor wrote in daemon.json, once it did. */
export const daemonSocket = (project: TempProject): string | undefined => {
  try {
    const info: unknown = JSON.parse(fs.readFileSync(path.join(project.dir, ".myco", "run", "daemon.json"), "utf8"))
    return typeof info === "object" && info !== null && "socket" in info && typeof info.socket === "string" ? info.socket : undefined
  } catch {
    return undefined
  }
}

/** Whether something accepts connections on `socket`. */
export const socketAnswers = (socket: string): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(socket)
    s.once("connect", () => {
      s.destroy()
      resolve(true)
    })
    s.once("error", () => resolve(false))
  })

/** Starts `myco run` in `project` and waits until its socket answers. */
export const startDaemon = async (project: TempProject, env?: NodeJS.ProcessEnv): Promise<RunningDaemon> => {
  const child = spawn(process.execPath, [mycoBin, "run"], { cwd: project.dir, env: env ?? project.env, stdio: ["ignore", "pipe", "pipe"] })
  let stderr = ""
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()))
  child.stdout?.on("data", () => undefined)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  let gone = false
  void exited.then(() => (gone = true))
  for (let waited = 0; waited < 20_000; waited += 50) {
    if (gone) throw new Error(`myco run exited early: ${stderr}`)
    const socket = daemonSocket(project)
    if (socket !== undefined && (await socketAnswers(socket))) return { child, socket, stderr: () => stderr, exited }
    await sleep(50)
  }
  child.kill("SIGKILL")
  throw new Error(`myco run did not start in 20 s: ${stderr}`)
}
