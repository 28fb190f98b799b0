/**
 * Sockets another local user could plant, on the real binaries: the hook sends nothing to a
 * listener that does not belong to the vault's owner (it spools the event instead), and the
 * supervisor never adopts a short-socket directory someone else created first: it binds in a
 * directory of its own and says where in daemon.json. Both need another uid: they run as root,
 * as CI does, and are skipped otherwise.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { myco, tempProject } from "../support/cli.js"
import { daemonSocket, startDaemon } from "../support/daemon.js"
import { claudePayload, hookEnv, runHook, spooled } from "../support/hook.js"

const root = process.getuid?.() === 0

describe("planted sockets", () => {
  it.skipIf(!root)("the hook sends nothing to a listener owned by another user, and spools the event", async () => {
    const project = tempProject("myco-planted-")
    try {
      myco(["init"], { cwd: project.dir, env: project.env })
      const socketPath = path.join(project.dir, ".myco", "run", "myco.sock")
      let received = ""
      const listener = net.createServer((s) => s.on("data", (d) => (received += d.toString())))
      await new Promise<void>((resolve) => listener.listen(socketPath, resolve))
      fs.chownSync(socketPath, 65534, 65534)
      try {
        const result = await runHook(
          ["UserPromptSubmit", "--agent", "claude-code"],
          claudePayload("UserPromptSubmit", "planted-1", project.dir, { prompt: "token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB" }),
          { cwd: project.dir, env: hookEnv(project) }
        )
        expect(result.status).toBe(0)
        await new Promise((resolve) => setTimeout(resolve, 300))
        expect(received).toBe("")
        expect(spooled(project)).toHaveLength(1)
      } finally {
        listener.close()
      }
    } finally {
      project.cleanup()
    }
  })

  it.skipIf(!root)("the supervisor never adopts a short-socket directory another user created first", async () => {
    // A vault path too long for a socket in run/: the supervisor goes to the temp dir.
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-squat-")))
    const tmp = path.join(base, "tmp")
    fs.mkdirSync(tmp, { mode: 0o777 })
    fs.chmodSync(tmp, 0o777)
    const long = path.join(base, "p".repeat(60), "q".repeat(40))
    fs.mkdirSync(long, { recursive: true })
    const env: NodeJS.ProcessEnv = { ...process.env, MYCO_HOME: path.join(base, ".home"), XDG_STATE_HOME: path.join(base, ".state"), MYCO_VAULT_DIR: "", TMPDIR: tmp }
    const squatted = path.join(tmp, `myco-${process.getuid?.() ?? 0}`)
    fs.mkdirSync(squatted, { mode: 0o777 })
    fs.chmodSync(squatted, 0o777)
    fs.chownSync(squatted, 65534, 65534)
    try {
      expect(myco(["init"], { cwd: long, env }).status).toBe(0)
      const project = { dir: long, env, cleanup: () => undefined }
      const daemon = await startDaemon(project)
      try {
        const socket = daemonSocket(project) ?? ""
        expect(path.dirname(socket)).not.toBe(squatted)
        const dir = fs.lstatSync(path.dirname(socket))
        expect(dir.uid).toBe(process.getuid?.())
        expect(dir.mode & 0o777).toBe(0o700)
        // The squatter's directory was neither changed nor used.
        const theirs = fs.lstatSync(squatted)
        expect(theirs.uid).toBe(65534)
        expect(theirs.mode & 0o777).toBe(0o777)
        expect(fs.readdirSync(squatted)).toEqual([])
      } finally {
        daemon.child.kill("SIGTERM")
        await daemon.exited
      }
    } finally {
      fs.rmSync(base, { recursive: true, force: true })
    }
  })
})
