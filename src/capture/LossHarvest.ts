/**
 * Reading the loss markers hooks left (lean/Losses.ts) into the LossStore: on start, before
 * serving, and then on every pass of the spool worker. Each marker is recorded by its event's
 * idempotency id, so that reading one twice (a crash between recording and removing) counts it
 * once; it is removed once recorded. The ledgers beside them (what hooks count in when not even an
 * empty marker fits) are read too, each slot recorded at the highest count seen, and never
 * removed: a missing one is made ahead of need. The markers' directories are trusted only as
 * private directories of ours, like the spool; an entry that is not a marker, or not a regular
 * file of ours, is left where it is and reported once.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { DateTime, Effect, Either } from "effect"
import { createLedger, LEDGER_FILE, parseLostMarker, readLedger } from "../lean/Losses.js"
import { checkPrivateDir, currentUid, isOwnedBy } from "../lean/SafeFs.js"
import { type CountedLosses, type LostEvent, LossStore } from "../store/LossStore.js"
import { SPOOL_TEMP_FILE } from "../lean/Spool.js"
import type { StoreFailure } from "../store/StoreFailure.js"

/** What one harvest found. */
export interface Harvest {
  /** Markers read and recorded (or found recorded already), and removed. */
  readonly read: number
  /** Of those, events recorded for the first time. */
  readonly recorded: number
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Makes the harvester of the loss markers in `lostDirs`. */
export const makeLossHarvest = (lostDirs: ReadonlyArray<string>) => {
  /** What was last reported about a directory or an entry, so that it is reported once. */
  const reported = new Set<string>()
  const reportOnce = (key: string, message: string) =>
    reported.has(key) ? Effect.void : Effect.zipRight(Effect.sync(() => reported.add(key)), Effect.logWarning(message))

  const markersIn = (dir: string) =>
    Effect.gen(function* () {
      const check = checkPrivateDir(dir)
      if (!check.ok) {
        if (check.reason !== "missing") yield* reportOnce(`${dir}:${check.reason}`, `losses: ${dir} ${check.reason}: its markers are not read (see \`myco doctor\`)`)
        return []
      }
      const listed = yield* Effect.either(Effect.try(() => fs.readdirSync(dir)))
      if (Either.isLeft(listed)) {
        yield* reportOnce(`${dir}:list`, `losses: cannot list ${dir}: ${errorText(listed.left.error)}`)
        return []
      }
      const found: Array<{ readonly file: string; readonly event: LostEvent }> = []
      for (const name of listed.right) {
        if (name === LEDGER_FILE || SPOOL_TEMP_FILE.test(name)) continue
        const file = path.join(dir, name)
        const marker = parseLostMarker(name)
        const stat = yield* Effect.either(Effect.try(() => fs.lstatSync(file)))
        if (marker === undefined || Either.isLeft(stat) || !stat.right.isFile() || !isOwnedBy(stat.right, currentUid())) {
          if (Either.isRight(stat)) yield* reportOnce(file, `losses: ${file} is not a loss marker of ours: left alone`)
          continue
        }
        found.push({
          file,
          event: { idempotencyId: marker.idempotencyId, agent: marker.agent, event: marker.event, at: DateTime.unsafeMake(marker.atMs), reason: marker.reason }
        })
      }
      return found
    })

  /** The counts of the ledger in `dir`, as the store keeps them. */
  const ledgerIn = (dir: string) =>
    Effect.gen(function* () {
      const ledger = yield* Effect.either(Effect.try(() => readLedger(dir)))
      if (Either.isLeft(ledger)) {
        yield* reportOnce(`${dir}:ledger-read`, `losses: cannot read the ledger in ${dir}: ${errorText(ledger.left.error)}`)
        return []
      }
      const read = ledger.right
      if (read === undefined) return []
      if ("problem" in read) {
        yield* reportOnce(`${dir}:ledger`, `losses: ${read.problem}`)
        return []
      }
      return read.slots.flatMap((s): ReadonlyArray<CountedLosses> => {
        const at = DateTime.unsafeMake(Number.isFinite(s.lastMs) ? s.lastMs : 0)
        return [
          ...(s.diskFull > 0 ? [{ key: `ledger-${read.generation}-${s.slot}-disk-full`, count: s.diskFull, at, reason: "disk-full" as const }] : []),
          ...(s.unwritable > 0 ? [{ key: `ledger-${read.generation}-${s.slot}-unwritable`, count: s.unwritable, at, reason: "unwritable" as const }] : [])
        ]
      })
    })

  /** Makes the ledger of each directory that has none, while there is room (it is reported once when not). */
  const prepare: Effect.Effect<void> = Effect.forEach(
    lostDirs,
    (dir) =>
      Effect.gen(function* () {
        if (!checkPrivateDir(dir).ok || fs.existsSync(path.join(dir, LEDGER_FILE))) return
        const made = yield* Effect.either(Effect.try(() => createLedger(dir, randomBytes(8).toString("hex"))))
        if (Either.isLeft(made)) yield* reportOnce(`${dir}:ledger-create`, `losses: no ledger in ${dir} yet: ${errorText(made.left.error)}`)
      }),
    { discard: true }
  )

  /** Records every marker found and removes it, and every ledger's counts; fails only when the store does (the markers stay). */
  const harvest: Effect.Effect<Harvest, StoreFailure, LossStore> = Effect.gen(function* () {
    const store = yield* LossStore
    const counts = (yield* Effect.forEach(lostDirs, ledgerIn)).flat()
    const counted = counts.length === 0 ? 0 : yield* store.recordCounted(counts, yield* DateTime.now)
    const found = (yield* Effect.forEach(lostDirs, markersIn)).flat()
    if (found.length === 0) return { read: 0, recorded: counted }
    const recorded = yield* store.recordLost(
      found.map((f) => f.event),
      yield* DateTime.now
    )
    for (const { file } of found) {
      const removed = yield* Effect.either(Effect.try(() => fs.rmSync(file, { force: true })))
      // Left behind, it is only recorded again as the same event on the next pass.
      if (Either.isLeft(removed)) yield* reportOnce(`${file}:rm`, `losses: cannot remove ${file}: ${errorText(removed.left.error)}`)
    }
    return { read: found.length, recorded: recorded + counted }
  })

  return { harvest, prepare }
}
