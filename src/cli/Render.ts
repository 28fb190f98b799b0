/** Human-readable renderings of sessions and their history. */
import { DateTime } from "effect"
import type { StoredEvent } from "../domain/Event.js"
import type { WatchItem } from "../protocol/Protocol.js"
import type { Session, TransitionRecord } from "../domain/Session.js"
import { table } from "./Output.js"

const time = (t: DateTime.Utc | null): string => (t === null ? "-" : DateTime.formatIso(t).replace(/\.\d{3}Z$/, "Z"))

/** `myco session show`. */
export const renderSession = (s: Session): ReadonlyArray<string> => [
  `id:            ${s.id}`,
  `status:        ${s.status} (version ${s.version})`,
  `agent:         ${s.agent}`,
  `project:       ${s.projectId}`,
  `machine:       ${s.machineId}`,
  `parent:        ${s.parentId ?? "-"}`,
  `created:       ${time(s.createdAt)}`,
  `updated:       ${time(s.updatedAt)}`,
  `completed:     ${time(s.completedAt)}`,
  `processed:     ${time(s.processedAt)}`,
  `archived:      ${time(s.archivedAt)}`,
  `cwd:           ${s.metadata.cwd ?? "-"}`,
  `branch:        ${s.metadata.branch ?? "-"}`,
  `transcript:    ${s.metadata.transcriptPath ?? "-"}`,
  `title:         ${s.metadata.title ?? "-"}`,
  `events:        ${s.counters.events} (${s.counters.lateEvents} late)`,
  `capabilities:  capture=${s.capabilities.capture} intelligence=${s.capabilities.intelligence}`,
  `boundary:      root=${s.boundary.root} outside-scope=${s.boundary.outsideScope} redact-secrets=${s.boundary.redactSecrets} ` +
    `max-field=${s.boundary.maxFieldBytes}B max-event=${s.boundary.maxEventBytes}B exclude=${s.boundary.excludePaths.length} globs`
]

/** `myco session list`. */
export const renderSessionList = (sessions: ReadonlyArray<Session>): ReadonlyArray<string> =>
  sessions.length === 0
    ? ["no sessions"]
    : table(
        ["ID", "STATUS", "VER", "AGENT", "CREATED", "EVENTS", "PARENT"],
        sessions.map((s) => [
          s.id,
          s.status,
          String(s.version),
          s.agent,
          time(s.createdAt),
          String(s.counters.events),
          s.parentId ?? "-"
        ])
      )

/** `myco session history`. */
export const renderHistory = (history: ReadonlyArray<TransitionRecord>): ReadonlyArray<string> =>
  table(
    ["VER", "AT", "COMMAND", "FROM", "TO", "ACTOR", "REASON"],
    history.map((r) => [String(r.version), time(r.at), r.command, r.from ?? "-", r.to, r.actor, r.reason])
  )

/** One line of `myco session watch`. */
export const renderWatchItem = (item: WatchItem): string =>
  item._tag === "Transitioned"
    ? `${time(item.record.at)}  ${item.record.sessionId}  ${item.record.command}: ${item.record.from ?? "-"} -> ${item.record.to} (v${item.record.version}, ${item.record.actor}: ${item.record.reason})`
    : `${time(item.at)}  ${item.sessionId}  event #${item.seq} ${item.kind}${item.late ? " (late)" : ""}`

/** A one-line summary of a stored event's payload: the prompt, the tool, the reason... */
const summary = (payload: unknown): string => {
  if (typeof payload !== "object" || payload === null) return ""
  const data = "data" in payload && typeof payload.data === "object" && payload.data !== null ? payload.data : payload
  const pick = (key: string): unknown => Object.entries(data).find(([k]) => k === key)?.[1]
  const tool = pick("tool")
  const text =
    typeof tool === "object" && tool !== null && "name" in tool
      ? String(tool.name)
      : [pick("prompt"), pick("response"), pick("error"), pick("reason"), pick("message")].find((v) => typeof v === "string")
  const one = typeof text === "string" ? text.replace(/\s+/g, " ").trim() : ""
  return one.length > 60 ? `${one.slice(0, 57)}...` : one
}

/** `myco session show`: the events, in the order they happened. */
export const renderEvents = (events: ReadonlyArray<StoredEvent>): ReadonlyArray<string> =>
  events.length === 0
    ? ["no events"]
    : table(
        ["SEQ", "AT", "KIND", "", "SUMMARY"],
        events.map((e) => [String(e.seq), time(e.at), e.kind, e.late ? "late" : "", summary(e.payload)])
      )
