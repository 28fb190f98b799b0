/**
 * The human-readable output of the read commands (`myco session list`, `session show`, `status`)
 * and the messages they end with, written once: the full CLI and the read path (read/) both print
 * these lines, from the JSON documents of Documents.ts.
 *
 * Effect-free, and imports only Node's own modules.
 */
import type { EventJson, SessionJson, ActorSnapshotJson, TransitionJson } from "./Documents.js"

/** Pads columns for a plain-text table. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<string> => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const render = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  return [render(header), ...rows.map(render)]
}

/** An ISO instant of a document, to the second: `2026-11-24T22:51:03Z`; `-` for none. */
export const shortTime = (iso: string | null): string => (iso === null ? "-" : iso.replace(/\.\d{3}Z$/, "Z"))

/** `myco session show`. */
export const renderSession = (s: SessionJson): ReadonlyArray<string> => [
  `id:            ${s.id}`,
  `status:        ${s.status} (version ${s.version})`,
  `agent:         ${s.agent}`,
  `project:       ${s.projectId}`,
  `machine:       ${s.machineId}`,
  `parent:        ${s.parentId ?? "-"}`,
  `created:       ${shortTime(s.createdAt)}`,
  `updated:       ${shortTime(s.updatedAt)}`,
  `completed:     ${shortTime(s.completedAt)}`,
  `processed:     ${shortTime(s.processedAt)}`,
  `archived:      ${shortTime(s.archivedAt)}`,
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
export const renderSessionList = (sessions: ReadonlyArray<SessionJson>): ReadonlyArray<string> =>
  sessions.length === 0
    ? ["no sessions"]
    : table(
        ["ID", "STATUS", "VER", "AGENT", "CREATED", "EVENTS", "PARENT"],
        sessions.map((s) => [s.id, s.status, String(s.version), s.agent, shortTime(s.createdAt), String(s.counters.events), s.parentId ?? "-"])
      )

/** `myco session history`. */
export const renderHistory = (history: ReadonlyArray<TransitionJson>): ReadonlyArray<string> =>
  table(
    ["VER", "AT", "COMMAND", "FROM", "TO", "ACTOR", "REASON"],
    history.map((r) => [String(r.version), shortTime(r.at), r.command, r.from ?? "-", r.to, r.actor, r.reason])
  )

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
export const renderEvents = (events: ReadonlyArray<EventJson>): ReadonlyArray<string> =>
  events.length === 0
    ? ["no events"]
    : table(
        ["SEQ", "AT", "KIND", "", "SUMMARY"],
        events.map((e) => [String(e.seq), shortTime(e.at), e.kind, e.late ? "late" : "", summary(e.payload)])
      )

/** `myco session show` without `--no-events`: the record, its history, its events. */
export const renderSessionShow = (
  session: SessionJson,
  history: ReadonlyArray<TransitionJson>,
  events: ReadonlyArray<EventJson>
): ReadonlyArray<string> => [...renderSession(session), "", ...renderHistory(history), "", ...renderEvents(events)]

/** A duration for people: `42s`, `2m5s`, `3h12m`. */
export const duration = (ms: number): string => {
  const s = Math.floor(ms / 1000)
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
}

/** The most children of a supervisor `myco status` lists; the rest are counted. */
const SHOWN_CHILDREN = 20

/** The supervision tree as `myco status` draws it. */
export const renderTree = (node: ActorSnapshotJson, prefix: string, last: boolean, root: boolean): ReadonlyArray<string> => {
  const branch = root ? "" : last ? "└── " : "├── "
  const failure = node.lastFailure === null ? "" : `  last failure: ${node.lastFailure.tag}: ${node.lastFailure.message}`
  const extra = node.kind === "supervisor" ? ` ${node.strategy ?? ""}, ${node.childCount} children` : `, mailbox ${node.mailboxDepth}`
  const line = `${prefix}${branch}${node.id}  ${node.state}${extra}, restarts ${node.restarts}, up ${duration(node.uptimeMs)}${node.deadLetters > 0 ? `, dead letters ${node.deadLetters}` : ""}${failure}`
  const childPrefix = root ? "" : prefix + (last ? "    " : "│   ")
  const shown = node.children.slice(0, SHOWN_CHILDREN)
  return [
    line,
    ...shown.flatMap((child, i) => renderTree(child, childPrefix, i === shown.length - 1 && node.childCount <= shown.length, false)),
    ...(node.childCount > shown.length ? [`${childPrefix}└── ... ${node.childCount - shown.length} more`] : [])
  ]
}

// ---- messages ---------------------------------------------------------------------------------

/** Lines of text as printed: each one ends with a newline. */
export const linesText = (lines: ReadonlyArray<string>): string => lines.map((line) => `${line}\n`).join("")

/** On stderr after a list that was cut to its limit. */
export const listCutNote = (shown: number): string => `(showing the newest ${shown}; more with --limit N or --all)`

/** The message of a session (or a parent session) that is not in the vault. */
export const sessionNotFoundMessage = (sessionId: string, role?: "parent"): string =>
  `no ${role === "parent" ? "parent session" : "session"} ${sessionId} in this vault (list them with \`myco session list\`)`

/** `myco status` when no supervisor answers for the vault. */
export const SUPERVISOR_NOT_RUNNING = "myco: the supervisor is not running (start it with `myco run`)"
