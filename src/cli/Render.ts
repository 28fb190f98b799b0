/**
 * Human-readable renderings the CLI prints besides the read commands' (lean/Render.ts, shared with
 * the read path): `myco session watch`.
 */
import { DateTime } from "effect"
import { shortTime } from "../lean/Render.js"
import type { WatchItem } from "../protocol/Protocol.js"

const time = (t: DateTime.Utc): string => shortTime(DateTime.formatIso(t))

/** One line of `myco session watch`. */
export const renderWatchItem = (item: WatchItem): string =>
  item._tag === "Transitioned"
    ? `${time(item.record.at)}  ${item.record.sessionId}  ${item.record.command}: ${item.record.from ?? "-"} -> ${item.record.to} (v${item.record.version}, ${item.record.actor}: ${item.record.reason})`
    : `${time(item.at)}  ${item.sessionId}  event #${item.seq} ${item.kind}${item.late ? " (late)" : ""}`
