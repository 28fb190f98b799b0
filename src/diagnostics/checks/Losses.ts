/**
 * What the vault could not keep: hook events that no spool could take (recorded by the supervisor
 * from the markers the hooks left, and those markers still waiting to be recorded), and the times
 * the supervisor paused its writes because the disk was full. A lost event is a warning until it
 * is acknowledged (`--fix`); a past pause is history, said in the detail.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { DateTime, Effect } from "effect"
import { fallbackPathsOf } from "../../lean/FallbackSpool.js"
import { LOST_DIR, parseLostMarker } from "../../lean/Losses.js"
import { LossStore, type LossSummary } from "../../store/LossStore.js"
import { type Check, ok, type StoreDiagnosis } from "../Check.js"

/** The markers waiting in `dir` (none when it cannot be read). */
const markersIn = (dir: string): number => {
  try {
    return fs.readdirSync(dir).filter((name) => parseLostMarker(name) !== undefined).length
  } catch {
    return 0
  }
}

const iso = (t: DateTime.Utc | undefined): string => (t === undefined ? "?" : DateTime.formatIso(t))

/** The pauses, in words, for a detail. */
const pausesText = (s: LossSummary): string => {
  const last = s.lastPause
  if (s.pauses === 0 || last === undefined) return ""
  return `; the vault's disk was full ${s.pauses} time${s.pauses === 1 ? "" : "s"} while the supervisor ran (last from ${iso(last.startedAt)} to ${iso(last.endedAt)}, ${last.refused} requests refused and spooled by their hooks)`
}

/** No hook event was lost. */
export const losses: StoreDiagnosis = ({ vault, openStores }) =>
  Effect.gen(function* () {
    const store = yield* LossStore
    const summary = yield* store.summary
    const fallback = fallbackPathsOf(vault.paths.dir, process.env)
    const lostDirs = [path.join(vault.paths.spool, LOST_DIR), ...(fallback === undefined ? [] : [fallback.lost])]
    const pending = lostDirs.reduce((n, dir) => n + markersIn(dir), 0)
    const checks: Array<Check> = []
    if (summary.lost > 0) {
      const why = summary.lostForSpace === summary.lost ? "disk full" : summary.lostForSpace === 0 ? "no usable spool" : "disk full, or no usable spool"
      checks.push({
        result: {
          check: "losses",
          status: "warn",
          detail: `${summary.lost} events lost (${why}) since ${iso(summary.firstAt)} (last ${iso(summary.lastAt)}): neither the supervisor, the vault's spool nor the fallback spool could take them${pausesText(summary)}`,
          hint: "their disks were full (or the spools unusable) when those hook events came; free space there, so that hooks spool again; `myco doctor --fix` acknowledges these",
          fix: `df -h ${vault.paths.dir}${fallback === undefined ? "" : ` ${fallback.root}`}; myco doctor --fix`
        },
        // Repairs run once the checks' store is closed: they open their own.
        repair: Effect.gen(function* () {
          const marked = yield* (yield* LossStore).acknowledge(yield* DateTime.now)
          return `acknowledged ${marked} lost events`
        }).pipe(Effect.provide(openStores({ migrate: false })))
      })
    }
    if (pending > 0) {
      checks.push({
        result: {
          check: "losses",
          status: "warn",
          detail: `${pending} events lost while no supervisor ran, not recorded yet (markers in ${lostDirs.join(", ")})`,
          hint: "the supervisor records them (and reports them here) when it starts",
          fix: "myco run"
        }
      })
    }
    if (checks.length === 0) {
      const before = summary.acknowledged > 0 ? ` (${summary.acknowledged} were lost before, acknowledged)` : ""
      checks.push(ok("losses", `no hook event was lost${before}${pausesText(summary)}`))
    }
    return checks
  })
