/**
 * The lean pieces a hook falls back on when the vault's spool cannot take an event, on real
 * temporary files: the spool's reserve (cut short a chunk at a time, never through a link, topped
 * up only with room to spare), the loss markers (named, parsed, created once, 0600), the loss
 * ledger (counted in place per pid slot, never through a link), the fallback
 * folder in the user's state directory (where it is, the same key through a link to the vault,
 * private whatever the umask, never a planted directory), and the hook's order of fallbacks
 * (hook/Fallbacks.ts) when the vault's spool is refused.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { keepElsewhere } from "../../src/hook/Fallbacks.js"
import { formatBytes, isNoSpace } from "../../src/lean/DiskSpace.js"
import { ensureFallbackDirs, fallbackPathsOf, userStateDir, vaultKey } from "../../src/lean/FallbackSpool.js"
import {
  countInLedger,
  createLedger,
  LEDGER_BYTES,
  LEDGER_FILE,
  LEDGER_SLOTS,
  LOST_DIR,
  lostMarkerName,
  parseLostMarker,
  readLedger,
  recordLoss
} from "../../src/lean/Losses.js"
import { RESERVE_CHUNK_BYTES, RESERVE_FILE, refillReserve, releaseReserve, spoolFileName } from "../../src/lean/Spool.js"

const isRoot = process.getuid?.() === 0
const NOBODY = 65534

const temps: Array<string> = []
const temp = (): string => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-diskfull-")))
  temps.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

const mode = (file: string): number => fs.lstatSync(file).mode & 0o7777

const withUmask = <A>(mask: number, f: () => A): A => {
  const previous = process.umask(mask)
  try {
    return f()
  } finally {
    process.umask(previous)
  }
}

describe("free space", () => {
  it("tells a full disk or quota from other write failures, and says sizes for people", () => {
    expect(isNoSpace(Object.assign(new Error("no space"), { code: "ENOSPC" }))).toBe(true)
    expect(isNoSpace(Object.assign(new Error("quota"), { code: "EDQUOT" }))).toBe(true)
    expect(isNoSpace(Object.assign(new Error("denied"), { code: "EACCES" }))).toBe(false)
    expect(isNoSpace("ENOSPC")).toBe(false)
    expect([formatBytes(512), formatBytes(12 * 1024), formatBytes(4 * 1024 * 1024), formatBytes(1.5 * 1024 ** 3)]).toEqual(["512 B", "12 KiB", "4.0 MiB", "1.5 GiB"])
  })
})

describe("the spool's reserve", () => {
  it("is topped up with written space, private whatever the umask, and cut short a chunk at a time down to nothing", () => {
    const spool = temp()
    const target = 3 * RESERVE_CHUNK_BYTES
    const refill = withUmask(0o000, () => refillReserve(spool, target))
    expect(refill).toEqual({ _tag: "Grown", from: 0, to: target })
    const reserve = path.join(spool, RESERVE_FILE)
    expect(mode(reserve)).toBe(0o600)
    // Written, not sparse: the blocks are there to give back.
    expect(fs.statSync(reserve).blocks * 512).toBeGreaterThanOrEqual(target)
    expect(refillReserve(spool, target)).toEqual({ _tag: "Full", size: target })
    // A small event still gets a whole chunk; a large one as much as it needs.
    expect(releaseReserve(spool, 100)).toEqual({ released: RESERVE_CHUNK_BYTES, left: 2 * RESERVE_CHUNK_BYTES })
    expect(releaseReserve(spool, RESERVE_CHUNK_BYTES + 1)).toEqual({ released: RESERVE_CHUNK_BYTES + 64 * 1024, left: RESERVE_CHUNK_BYTES - 64 * 1024 })
    expect(releaseReserve(spool, 100)).toEqual({ released: RESERVE_CHUNK_BYTES - 64 * 1024, left: 0 })
    expect(releaseReserve(spool, 100)).toEqual({ released: 0, problem: "the reserve is used up" })
    // Topped up again from where it is; 0 means no reserve at all.
    expect(refillReserve(spool, target)).toEqual({ _tag: "Grown", from: 0, to: target })
    expect(refillReserve(spool, 0)).toEqual({ _tag: "Removed" })
    expect(fs.existsSync(reserve)).toBe(false)
    expect(releaseReserve(spool, 100).released).toBe(0)
  })

  it("is never grown when the disk lacks room to spare", () => {
    const spool = temp()
    // More than half of what is free: growing it would leave less than a reserve's worth.
    const free = fs.statfsSync(spool)
    const huge = Math.ceil((free.bavail * free.bsize) / 2) + 1024 * 1024
    const refill = refillReserve(spool, huge)
    expect(refill._tag).toBe("NoRoom")
    expect(fs.statSync(path.join(spool, RESERVE_FILE)).size).toBe(0)
  })

  it("is never followed through a link, nor taken from another user", () => {
    const spool = temp()
    const elsewhere = path.join(temp(), "precious")
    fs.writeFileSync(elsewhere, "x".repeat(1024 * 1024))
    fs.symlinkSync(elsewhere, path.join(spool, RESERVE_FILE))
    const released = releaseReserve(spool, 100)
    expect(released.released).toBe(0)
    expect(refillReserve(spool, 2 * 1024 * 1024)._tag).toBe("Refused")
    expect(refillReserve(spool, 0)._tag).toBe("Refused")
    expect(fs.statSync(elsewhere).size).toBe(1024 * 1024)
    if (isRoot) {
      fs.rmSync(path.join(spool, RESERVE_FILE))
      fs.writeFileSync(path.join(spool, RESERVE_FILE), "y".repeat(1024 * 1024))
      fs.chownSync(path.join(spool, RESERVE_FILE), NOBODY, NOBODY)
      expect(releaseReserve(spool, 100).released).toBe(0)
      expect(fs.statSync(path.join(spool, RESERVE_FILE)).size).toBe(1024 * 1024)
    }
  })
})

describe("loss markers", () => {
  it("name a lost event, and read back as it", () => {
    const marker = { atMs: 1_796_165_914_048, idempotencyId: "mx5at5fr-l8k-i8sh5ea2xz2z58azu7wm", agent: "claude-code", event: "UserPromptSubmit", reason: "disk-full" as const }
    const name = lostMarkerName(marker)
    expect(name).toBe("001796165914048.mx5at5fr-l8k-i8sh5ea2xz2z58azu7wm.claude-code.UserPromptSubmit.disk-full")
    expect(parseLostMarker(name)).toEqual(marker)
    // An event name a file name cannot spell is spelled with underscores.
    expect(parseLostMarker(lostMarkerName({ ...marker, event: "after/agent.response", reason: "unwritable" }))).toEqual({ ...marker, event: "after_agent_response", reason: "unwritable" })
    // Not markers: spool files, dot-files, other reasons.
    for (const other of [spoolFileName(1, "a"), ".reserve", `${name}.tmp`, name.replace("disk-full", "gone")]) expect(parseLostMarker(other)).toBeUndefined()
  })

  it("are empty private files, created once, never in a directory that is a link", () => {
    const vault = temp()
    const lost = path.join(vault, LOST_DIR)
    const marker = { atMs: 1000, idempotencyId: "a-1", agent: "codex", event: "Stop", reason: "disk-full" as const }
    const first = withUmask(0o000, () => recordLoss(lost, marker))
    expect(first.ok).toBe(true)
    if (!first.ok) return
    expect(fs.statSync(first.file).size).toBe(0)
    expect(mode(first.file)).toBe(0o600)
    expect(mode(lost)).toBe(0o700)
    // The same event twice is one marker.
    expect(recordLoss(lost, marker)).toEqual(first)
    expect(fs.readdirSync(lost)).toHaveLength(1)
    const linked = path.join(vault, "linked")
    fs.symlinkSync(temp(), linked)
    const refused = recordLoss(linked, marker)
    expect(refused.ok).toBe(false)
  })
})

describe("the loss ledger", () => {
  it("counts in place, per pid slot and reason, without growing, and reads back", () => {
    const lost = temp()
    fs.chmodSync(lost, 0o700)
    expect(readLedger(lost)).toBeUndefined()
    withUmask(0o000, () => createLedger(lost, "00112233aabbccdd"))
    const file = path.join(lost, LEDGER_FILE)
    expect(mode(file)).toBe(0o600)
    expect(fs.statSync(file).size).toBe(LEDGER_BYTES)
    const blocks = fs.statSync(file).blocks
    expect(countInLedger(lost, "disk-full", 4242, 1000)).toEqual({ ok: true, file })
    expect(countInLedger(lost, "disk-full", 4242, 2000).ok).toBe(true)
    expect(countInLedger(lost, "unwritable", 4242 + LEDGER_SLOTS, 3000).ok).toBe(true)
    expect(countInLedger(lost, "disk-full", 7, 4000).ok).toBe(true)
    expect(readLedger(lost)).toEqual({
      generation: "00112233aabbccdd",
      slots: [
        { slot: 7, diskFull: 1, unwritable: 0, lastMs: 4000 },
        { slot: 4242 % LEDGER_SLOTS, diskFull: 2, unwritable: 1, lastMs: 3000 }
      ]
    })
    // Overwritten in place: the file neither grew nor took a block more.
    expect(fs.statSync(file).size).toBe(LEDGER_BYTES)
    expect(fs.statSync(file).blocks).toBe(blocks)
  })

  it("is never followed through a link, nor anything but a ledger of ours", () => {
    const lost = temp()
    const elsewhere = path.join(temp(), "target")
    fs.writeFileSync(elsewhere, Buffer.alloc(LEDGER_BYTES))
    fs.symlinkSync(elsewhere, path.join(lost, LEDGER_FILE))
    expect(countInLedger(lost, "disk-full", 1, 1).ok).toBe(false)
    expect(readLedger(lost)).toMatchObject({ problem: expect.any(String) })
    expect(fs.readFileSync(elsewhere).every((b) => b === 0)).toBe(true)
    fs.rmSync(path.join(lost, LEDGER_FILE))
    fs.writeFileSync(path.join(lost, LEDGER_FILE), "too short")
    expect(countInLedger(lost, "disk-full", 1, 1).ok).toBe(false)
    expect(fs.readFileSync(path.join(lost, LEDGER_FILE), "utf8")).toBe("too short")
  })
})

describe("the fallback folder", () => {
  it("is in XDG_STATE_HOME, else ~/.local/state, keyed by the vault's real path", () => {
    const state = temp()
    expect(userStateDir({ XDG_STATE_HOME: state })).toBe(state)
    expect(userStateDir({ XDG_STATE_HOME: "relative/state", HOME: "/home/me" })).toBe("/home/me/.local/state")
    const project = temp()
    const vault = path.join(project, ".myco")
    fs.mkdirSync(vault)
    const link = path.join(temp(), "vault-link")
    fs.symlinkSync(vault, link)
    expect(vaultKey(link)).toBe(vaultKey(vault))
    expect(vaultKey(vault)).toMatch(/^[0-9a-f]{16}$/)
    const paths = fallbackPathsOf(vault, { XDG_STATE_HOME: state })
    expect(paths).toEqual({
      root: path.join(state, "myco"),
      dir: path.join(state, "myco", "vaults", vaultKey(vault)),
      spool: path.join(state, "myco", "vaults", vaultKey(vault), "spool"),
      lost: path.join(state, "myco", "vaults", vaultKey(vault), "lost"),
      vaultFile: path.join(state, "myco", "vaults", vaultKey(vault), "vault")
    })
  })

  it("is made private whatever the umask, its missing state directory too", () => {
    const base = temp()
    const paths = fallbackPathsOf(path.join(base, "p", ".myco"), { XDG_STATE_HOME: path.join(base, "state") })
    if (paths === undefined) throw new Error("no fallback paths")
    expect(withUmask(0o000, () => ensureFallbackDirs(paths))).toEqual({ ok: true })
    for (const dir of [paths.root, path.dirname(paths.dir), paths.dir, paths.spool, paths.lost]) expect(mode(dir)).toBe(0o700)
  })

  it.skipIf(!isRoot)("is never a directory another user made first, nor a link", () => {
    const base = temp()
    const state = path.join(base, "state")
    const paths = fallbackPathsOf(path.join(base, "p", ".myco"), { XDG_STATE_HOME: state })
    if (paths === undefined) throw new Error("no fallback paths")
    fs.mkdirSync(paths.root, { recursive: true, mode: 0o777 })
    fs.chmodSync(paths.root, 0o777)
    fs.chownSync(paths.root, NOBODY, NOBODY)
    const planted = ensureFallbackDirs(paths)
    expect(planted.ok).toBe(false)
    expect(fs.lstatSync(paths.root).uid).toBe(NOBODY)
    expect(mode(paths.root)).toBe(0o777)
    expect(fs.existsSync(path.join(paths.root, "vaults"))).toBe(false)
    fs.rmSync(paths.root, { recursive: true })
    fs.symlinkSync(temp(), paths.root)
    expect(ensureFallbackDirs(paths).ok).toBe(false)
  })
})

describe("the hook's fallbacks", () => {
  const keeping = (vaultDir: string, env: NodeJS.ProcessEnv, firstError: unknown) => ({
    vaultDir,
    atMs: 1_796_000_000_000,
    idempotencyId: "mx-1-abc",
    agent: "claude-code",
    event: "UserPromptSubmit",
    json: JSON.stringify({ _tag: "HookEvent", idempotencyId: "mx-1-abc" }),
    firstError,
    env
  })

  it("spool to the fallback folder when the vault's spool is refused (a link), without touching the reserve", () => {
    const base = temp()
    const vault = path.join(base, "p", ".myco")
    fs.mkdirSync(vault, { recursive: true })
    fs.symlinkSync(temp(), path.join(vault, "spool"))
    const env = { XDG_STATE_HOME: path.join(base, "state") }
    const kept = keepElsewhere(keeping(vault, env, new Error(`the spool ${path.join(vault, "spool")} is a symbolic link`)))
    expect(kept._tag).toBe("Spooled")
    if (kept._tag !== "Spooled") return
    expect(kept.where).toBe("fallback")
    expect(path.dirname(kept.file)).toBe(fallbackPathsOf(vault, env)?.spool)
    expect(fs.readFileSync(kept.file, "utf8")).toContain("mx-1-abc")
    expect(mode(kept.file)).toBe(0o600)
    expect(kept.message).toContain("is a symbolic link")
  })

  it("count the event as lost, in the vault, when there is no fallback either", () => {
    const base = temp()
    const vault = path.join(base, "p", ".myco")
    fs.mkdirSync(path.join(vault, "spool"), { recursive: true, mode: 0o700 })
    fs.chmodSync(path.join(vault, "spool"), 0o700)
    // A state directory that is a file: the fallback cannot be made.
    fs.writeFileSync(path.join(base, "state"), "")
    const kept = keepElsewhere(keeping(vault, { XDG_STATE_HOME: path.join(base, "state") }, new Error("the spool is owned by uid 65534")))
    expect(kept).toMatchObject({ _tag: "Lost", counted: true })
    expect(kept.message).toContain("no usable spool")
    const markers = fs.readdirSync(path.join(vault, "spool", LOST_DIR))
    expect(markers.map(parseLostMarker)).toEqual([{ atMs: 1_796_000_000_000, idempotencyId: "mx-1-abc", agent: "claude-code", event: "UserPromptSubmit", reason: "unwritable" }])
  })
})
