/**
 * The emergency backup (daemon/EmergencyBackup.ts): skipped, saying so plainly with what it needs
 * and what there is, when the disk of backups/ has no room for the copy (on a real, small tmpfs);
 * written when it fits; a backup that fails anyway says why and leaves no partial file.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { backupFits, emergencyBackup } from "../../src/daemon/EmergencyBackup.js"
import { SystemError } from "../../src/domain/Failure.js"
import { vaultPaths } from "../../src/vault/Vault.js"

const canMount = process.platform === "linux" && process.getuid?.() === 0

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** A vault whose database is `dbBytes` long, with backups/ on a tmpfs of `backupsSize` when asked. */
const vaultWith = (dbBytes: number, backupsSize?: string) => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-backup-")))
  cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }))
  const paths = vaultPaths(path.join(root, ".myco"))
  fs.mkdirSync(paths.backups, { recursive: true })
  fs.writeFileSync(paths.db, Buffer.alloc(dbBytes, 1))
  if (backupsSize !== undefined) {
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${backupsSize}`, "tmpfs", paths.backups], { encoding: "utf8" })
    if (mounted.status !== 0) throw new Error(`mount failed: ${mounted.stderr}`)
    cleanups.push(() => void spawnSync("umount", ["-l", paths.backups]))
  }
  return paths
}

describe("the emergency backup", () => {
  it("fits or not by the database's size, a margin, and what is free (unknown free space is no reason to skip)", () => {
    expect(backupFits("/b", 1024 * 1024, 10 * 1024 * 1024)).toEqual({ fits: true })
    expect(backupFits("/b", 1024 * 1024, undefined)).toEqual({ fits: true })
    expect(backupFits("/b", 1024 * 1024, 1024 * 1024)).toEqual({ fits: false, reason: "not enough free space in /b (need 1.1 MiB, have 1.0 MiB)" })
  })

  it.effect("is written when it fits, and a failure says why and leaves nothing behind", () =>
    Effect.gen(function* () {
      const paths = vaultWith(64 * 1024)
      const written = yield* emergencyBackup(paths, (file) => Effect.sync(() => fs.copyFileSync(paths.db, file)))
      expect(written._tag).toBe("Written")
      if (written._tag === "Written") expect(fs.statSync(written.file).size).toBe(64 * 1024)
      const failed = yield* emergencyBackup(paths, (file) =>
        Effect.zipRight(
          Effect.sync(() => fs.writeFileSync(file, "half")),
          Effect.fail(new SystemError({ operation: "sqlite.backup", message: "disk I/O error" }))
        )
      )
      expect(failed).toEqual({ _tag: "Failed", reason: "disk I/O error" })
      expect(fs.readdirSync(paths.backups)).toHaveLength(1)
    })
  )

  it.effect.skipIf(!canMount)("is skipped, plainly, when backups/ is on a disk without room for it (a 256 KiB tmpfs)", () =>
    Effect.gen(function* () {
      const paths = vaultWith(1024 * 1024, "256k")
      let tried = false
      const outcome = yield* emergencyBackup(paths, () => Effect.sync(() => void (tried = true)))
      expect(tried).toBe(false)
      expect(outcome._tag).toBe("Skipped")
      if (outcome._tag === "Skipped") expect(outcome.reason).toMatch(new RegExp(`^not enough free space in ${paths.backups} \\(need 1\\.1 MiB, have \\d+ KiB\\)$`))
      expect(fs.readdirSync(paths.backups)).toEqual([])
    })
  )
})
