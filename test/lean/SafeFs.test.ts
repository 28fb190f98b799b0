/** Safe vault file operations (src/lean/SafeFs.ts) on real temporary directories. */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import {
  appendPrivate,
  checkPrivateDir,
  ensurePrivateDir,
  moveAside,
  openAppendPrivate,
  readVaultFile,
  writePrivateAtomic
} from "../../src/lean/SafeFs.js"

const posix = process.platform !== "win32"
const isRoot = process.getuid?.() === 0
const NOBODY = 65534

const temps: Array<string> = []
const temp = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "myco-safefs-"))
  temps.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

const mode = (file: string): number => fs.lstatSync(file).mode & 0o7777

const mkfifo = (file: string): void => {
  const made = spawnSync("mkfifo", [file])
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`)
}

/** Runs `f` with the umask set to `mask`, restoring it after. */
const withUmask = <A>(mask: number, f: () => A): A => {
  const previous = process.umask(mask)
  try {
    return f()
  } finally {
    process.umask(previous)
  }
}

describe.skipIf(!posix)("ensurePrivateDir / checkPrivateDir", () => {
  it("creates a directory 0700 whatever the umask", () => {
    const root = temp()
    for (const mask of [0o000, 0o022, 0o777]) {
      const dir = path.join(root, `d${mask}`)
      expect(withUmask(mask, () => ensurePrivateDir(dir))).toEqual({ ok: true })
      expect(mode(dir)).toBe(0o700)
      expect(checkPrivateDir(dir)).toEqual({ ok: true })
    }
  })

  it("tightens a loose directory of ours, which the check alone only reports", () => {
    const dir = path.join(temp(), "spool")
    fs.mkdirSync(dir)
    fs.chmodSync(dir, 0o755)
    expect(checkPrivateDir(dir)).toEqual({ ok: false, reason: "mode is 0755, not 0700" })
    expect(mode(dir)).toBe(0o755)
    expect(ensurePrivateDir(dir)).toEqual({ ok: true })
    expect(mode(dir)).toBe(0o700)
    fs.chmodSync(dir, 0o2777)
    expect(ensurePrivateDir(dir)).toEqual({ ok: true })
    expect(mode(dir)).toBe(0o700)
  })

  it("refuses a symbolic link to a directory, and leaves it and its target alone", () => {
    const root = temp()
    const elsewhere = path.join(root, "elsewhere")
    fs.mkdirSync(elsewhere)
    fs.chmodSync(elsewhere, 0o755)
    const spool = path.join(root, "spool")
    fs.symlinkSync(elsewhere, spool)
    expect(ensurePrivateDir(spool)).toEqual({ ok: false, reason: "is a symbolic link" })
    expect(checkPrivateDir(spool)).toEqual({ ok: false, reason: "is a symbolic link" })
    expect(fs.lstatSync(spool).isSymbolicLink()).toBe(true)
    expect(mode(elsewhere)).toBe(0o755)
    // A dangling link too.
    const dangling = path.join(root, "run")
    fs.symlinkSync(path.join(root, "nothing"), dangling)
    expect(ensurePrivateDir(dangling)).toEqual({ ok: false, reason: "is a symbolic link" })
    expect(fs.existsSync(path.join(root, "nothing"))).toBe(false)
  })

  it("refuses what is not a directory, and reports a missing one", () => {
    const root = temp()
    const file = path.join(root, "spool")
    fs.writeFileSync(file, "")
    expect(ensurePrivateDir(file)).toEqual({ ok: false, reason: "not a directory" })
    const fifo = path.join(root, "run")
    mkfifo(fifo)
    expect(ensurePrivateDir(fifo)).toEqual({ ok: false, reason: "not a directory" })
    expect(checkPrivateDir(path.join(root, "absent"))).toEqual({ ok: false, reason: "missing" })
    expect(fs.existsSync(path.join(root, "absent"))).toBe(false)
    expect(ensurePrivateDir(path.join(root, "no", "parent"))).toEqual({ ok: false, reason: "parent missing" })
  })

  it.skipIf(!isRoot)("never adopts nor changes a directory owned by another user", () => {
    // As in /tmp/myco-<uid>/ pre-created by someone else, mode 0777.
    const dir = path.join(temp(), "myco-0")
    fs.mkdirSync(dir)
    fs.chmodSync(dir, 0o777)
    fs.chownSync(dir, NOBODY, NOBODY)
    expect(ensurePrivateDir(dir)).toEqual({ ok: false, reason: `owned by uid ${NOBODY}` })
    expect(checkPrivateDir(dir)).toEqual({ ok: false, reason: `owned by uid ${NOBODY}` })
    const stat = fs.lstatSync(dir)
    expect(stat.mode & 0o7777).toBe(0o777)
    expect(stat.uid).toBe(NOBODY)
    expect(stat.gid).toBe(NOBODY)
    // Even one that is already 0700.
    fs.chmodSync(dir, 0o700)
    expect(ensurePrivateDir(dir)).toEqual({ ok: false, reason: `owned by uid ${NOBODY}` })
  })
})

describe.skipIf(!posix)("readVaultFile", () => {
  it("reads a regular file of ours within the limit", () => {
    const file = path.join(temp(), "event.json")
    fs.writeFileSync(file, "{\"é\":1}")
    expect(readVaultFile(file, { maxBytes: 100 })).toEqual({ ok: true, text: "{\"é\":1}" })
    expect(readVaultFile(file, { maxBytes: 9 })).toEqual({ ok: true, text: "{\"é\":1}" })
    const empty = path.join(path.dirname(file), "empty.json")
    fs.writeFileSync(empty, "")
    expect(readVaultFile(empty, { maxBytes: 0 })).toEqual({ ok: true, text: "" })
  })

  it("reports a missing file", () => {
    expect(readVaultFile(path.join(temp(), "gone.json"), { maxBytes: 10 })).toMatchObject({ ok: false, reason: "missing" })
  })

  it("refuses a symbolic link, to a file of ours or to /dev/zero, without reading its target", () => {
    const root = temp()
    const secret = path.join(root, "secret")
    fs.writeFileSync(secret, "the secret")
    const link = path.join(root, "000000000000001-a.json")
    fs.symlinkSync(secret, link)
    const refused = readVaultFile(link, { maxBytes: 1_000 })
    expect(refused).toMatchObject({ ok: false, reason: "symlink" })
    expect(JSON.stringify(refused)).not.toContain("the secret")
    const zero = path.join(root, "000000000000002-b.json")
    fs.symlinkSync("/dev/zero", zero)
    expect(readVaultFile(zero, { maxBytes: 1_000_000 })).toMatchObject({ ok: false, reason: "symlink" })
    fs.symlinkSync("/etc/passwd", path.join(root, "passwd.json"))
    expect(readVaultFile(path.join(root, "passwd.json"), { maxBytes: 1_000_000 })).toMatchObject({
      ok: false,
      reason: "symlink"
    })
  })

  it("refuses a FIFO without blocking", () => {
    const fifo = path.join(temp(), "000000000000003-c.json")
    mkfifo(fifo)
    const started = performance.now()
    expect(readVaultFile(fifo, { maxBytes: 1_000 })).toMatchObject({ ok: false, reason: "not-regular" })
    expect(performance.now() - started).toBeLessThan(1_000)
  })

  it("refuses /dev/zero opened directly, and a directory, as not regular", () => {
    expect(readVaultFile("/dev/zero", { maxBytes: 1_000 })).toMatchObject({ ok: false, reason: "not-regular" })
    expect(readVaultFile("/dev/zero", { maxBytes: 1_000, uid: 0 })).toMatchObject({ ok: false, reason: "not-regular" })
    expect(readVaultFile(temp(), { maxBytes: 1_000 })).toMatchObject({ ok: false, reason: "not-regular" })
  })

  it("refuses a file over the limit, by its size or by what it yields", () => {
    const file = path.join(temp(), "big.json")
    fs.writeFileSync(file, "x".repeat(1_001))
    const refused = readVaultFile(file, { maxBytes: 1_000 })
    expect(refused).toMatchObject({ ok: false, reason: "too-large" })
    expect(JSON.stringify(refused)).not.toContain("xxx")
    expect(readVaultFile(file, { maxBytes: 1_001 })).toMatchObject({ ok: true })
  })

  it.skipIf(process.platform !== "linux")("stops at maxBytes + 1 on a file that claims no size", () => {
    // /proc files are regular, ours, and report a size of 0 whatever they hold.
    expect(fs.statSync("/proc/self/status").size).toBe(0)
    expect(readVaultFile("/proc/self/status", { maxBytes: 10 })).toMatchObject({ ok: false, reason: "too-large" })
    const whole = readVaultFile("/proc/self/status", { maxBytes: 1_000_000 })
    expect(whole.ok && whole.text.includes("Pid:")).toBe(true)
  })

  it("refuses a file owned by someone else than asked", () => {
    const file = path.join(temp(), "event.json")
    fs.writeFileSync(file, "{}")
    const ours = process.getuid?.() ?? 0
    expect(readVaultFile(file, { maxBytes: 10, uid: ours + 1 })).toMatchObject({ ok: false, reason: "foreign-owner" })
  })

  it.skipIf(!isRoot)("refuses a file owned by another user", () => {
    const file = path.join(temp(), "event.json")
    fs.writeFileSync(file, "planted")
    fs.chownSync(file, NOBODY, NOBODY)
    const refused = readVaultFile(file, { maxBytes: 100 })
    expect(refused).toMatchObject({ ok: false, reason: "foreign-owner" })
    expect(JSON.stringify(refused)).not.toContain("planted")
  })
})

describe.skipIf(!posix)("appendPrivate / openAppendPrivate", () => {
  it("creates a log 0600 whatever the umask, appends, and tightens a loose one", () => {
    const root = temp()
    const log = path.join(root, "myco.log")
    expect(withUmask(0o000, () => appendPrivate(log, "one\n"))).toEqual({ ok: true })
    expect(mode(log)).toBe(0o600)
    expect(appendPrivate(log, new TextEncoder().encode("two\n"))).toEqual({ ok: true })
    expect(fs.readFileSync(log, "utf8")).toBe("one\ntwo\n")
    fs.chmodSync(log, 0o644)
    expect(appendPrivate(log, "three\n")).toEqual({ ok: true })
    expect(mode(log)).toBe(0o600)
    const opened = openAppendPrivate(log)
    if (!opened.ok) throw new Error(opened.message)
    fs.writeSync(opened.fd, "four\n")
    fs.closeSync(opened.fd)
    expect(fs.readFileSync(log, "utf8")).toBe("one\ntwo\nthree\nfour\n")
  })

  it("refuses a symbolic link, a FIFO and a missing directory, writing nothing anywhere", () => {
    const root = temp()
    const target = path.join(root, "target")
    fs.writeFileSync(target, "precious\n")
    const log = path.join(root, "myco.log")
    fs.symlinkSync(target, log)
    expect(appendPrivate(log, "injected\n")).toMatchObject({ ok: false, reason: "symlink" })
    expect(openAppendPrivate(log)).toMatchObject({ ok: false, reason: "symlink" })
    expect(fs.readFileSync(target, "utf8")).toBe("precious\n")
    // A dangling link is not created through.
    const dangling = path.join(root, "other.log")
    fs.symlinkSync(path.join(root, "created"), dangling)
    expect(appendPrivate(dangling, "x")).toMatchObject({ ok: false, reason: "symlink" })
    expect(fs.existsSync(path.join(root, "created"))).toBe(false)
    const fifo = path.join(root, "fifo.log")
    mkfifo(fifo)
    expect(appendPrivate(fifo, "x")).toMatchObject({ ok: false, reason: "not-regular" })
    expect(appendPrivate(path.join(root, "logs", "myco.log"), "x")).toMatchObject({ ok: false, reason: "missing" })
  })

  it.skipIf(!isRoot)("refuses a log owned by another user, leaving it as it was", () => {
    const log = path.join(temp(), "myco.log")
    fs.writeFileSync(log, "theirs\n")
    fs.chmodSync(log, 0o666)
    fs.chownSync(log, NOBODY, NOBODY)
    expect(appendPrivate(log, "ours\n")).toMatchObject({ ok: false, reason: "foreign-owner" })
    expect(fs.readFileSync(log, "utf8")).toBe("theirs\n")
    expect(mode(log)).toBe(0o666)
  })
})

describe.skipIf(!posix)("writePrivateAtomic", () => {
  it("writes 0600 whatever the umask, replaces the file, and leaves no temporary file", () => {
    const root = temp()
    const file = path.join(root, "state.json")
    withUmask(0o000, () => writePrivateAtomic(file, "{\"a\":1}"))
    expect(mode(file)).toBe(0o600)
    withUmask(0o277, () => writePrivateAtomic(file, new TextEncoder().encode("{\"a\":2}"), { fsync: true }))
    expect(mode(file)).toBe(0o600)
    expect(fs.readFileSync(file, "utf8")).toBe("{\"a\":2}")
    expect(fs.readdirSync(root)).toEqual(["state.json"])
  })

  it("replaces a symbolic link instead of writing through it", () => {
    const root = temp()
    const target = path.join(root, "target")
    fs.writeFileSync(target, "precious")
    const file = path.join(root, "state.json")
    fs.symlinkSync(target, file)
    writePrivateAtomic(file, "new")
    expect(fs.lstatSync(file).isFile()).toBe(true)
    expect(fs.readFileSync(file, "utf8")).toBe("new")
    expect(fs.readFileSync(target, "utf8")).toBe("precious")
  })

  it("throws, leaving nothing behind, when it cannot write", () => {
    const root = temp()
    expect(() => writePrivateAtomic(path.join(root, "absent", "state.json"), "x")).toThrow(/ENOENT/)
    const dir = path.join(root, "dir")
    fs.mkdirSync(dir)
    expect(() => writePrivateAtomic(dir, "x")).toThrow()
    expect(fs.readdirSync(root)).toEqual(["dir"])
  })
})

describe.skipIf(!posix)("moveAside", () => {
  it("moves a symbolic link, a FIFO and a file themselves, with their reasons, never opening them", () => {
    const root = temp()
    const spool = path.join(root, "spool")
    fs.mkdirSync(spool)
    const rejected = path.join(root, "rejected")
    const secret = path.join(root, "secret")
    fs.writeFileSync(secret, "precious")

    const link = path.join(spool, "000000000000001-a.json")
    fs.symlinkSync(secret, link)
    const movedLink = moveAside(link, rejected, "is a symbolic link")
    expect(movedLink).toBe(path.join(rejected, "000000000000001-a.json"))
    expect(fs.lstatSync(movedLink).isSymbolicLink()).toBe(true)
    expect(fs.readlinkSync(movedLink)).toBe(secret)
    expect(fs.existsSync(link)).toBe(false)
    expect(fs.readFileSync(secret, "utf8")).toBe("precious")
    expect(mode(rejected)).toBe(0o700)
    const why = `${movedLink}.reason.txt`
    expect(mode(why)).toBe(0o600)
    expect(fs.readFileSync(why, "utf8")).toContain("is a symbolic link")
    expect(fs.readFileSync(why, "utf8")).toContain(link)

    const fifo = path.join(spool, "000000000000002-b.json")
    mkfifo(fifo)
    const movedFifo = moveAside(fifo, rejected, "not a regular file")
    expect(fs.lstatSync(movedFifo).isFIFO()).toBe(true)

    // A name already taken gets a unique one.
    const again = path.join(spool, "000000000000001-a.json")
    fs.writeFileSync(again, "{")
    const movedAgain = moveAside(again, rejected, "not JSON")
    expect(movedAgain).not.toBe(movedLink)
    expect(fs.readFileSync(movedAgain, "utf8")).toBe("{")
    expect(fs.readFileSync(`${movedAgain}.reason.txt`, "utf8")).toContain("not JSON")
    expect(fs.readdirSync(spool)).toEqual([])
  })

  it("throws when the destination is not a private directory of ours, leaving the file in place", () => {
    const root = temp()
    const file = path.join(root, "x.json")
    fs.writeFileSync(file, "{}")
    const elsewhere = path.join(root, "elsewhere")
    fs.mkdirSync(elsewhere)
    const rejected = path.join(root, "rejected")
    fs.symlinkSync(elsewhere, rejected)
    expect(() => moveAside(file, rejected, "r")).toThrow(/symbolic link/)
    expect(fs.existsSync(file)).toBe(true)
    expect(fs.readdirSync(elsewhere)).toEqual([])
    expect(() => moveAside(path.join(root, "gone.json"), path.join(root, "aside"), "r")).toThrow(/ENOENT/)
  })
})
