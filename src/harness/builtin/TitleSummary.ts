/**
 * The built-in `title-summary` function: a deterministic title and summary of a session, from
 * its first prompt (or, for an ad-hoc run, the run's instructions) and the kinds of its events.
 * It needs no model: it is what myco does when no other harness serves the capability.
 */
import { Effect } from "effect"
import type { RunContext, RunOutcome } from "../Runtime.js"
import type { TaskDocument } from "../Task.js"

const TITLE_CHARS = 72

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The prompt text of an inline event, when it is a prompt (stored `data.prompt`, or `prompt`). */
const promptOf = (event: unknown): string | undefined => {
  if (!isRecord(event) || event["kind"] !== "prompt") return undefined
  const payload = event["payload"]
  if (!isRecord(payload)) return undefined
  const data = payload["data"]
  const text = isRecord(data) ? data["prompt"] : payload["prompt"]
  return typeof text === "string" && text.trim() !== "" ? text : undefined
}

/** The first line of `text`, whitespace collapsed, cut at a word within `max` characters. */
export const titleFrom = (text: string, max: number = TITLE_CHARS): string => {
  const line = (text.split("\n").find((l) => l.trim() !== "") ?? "").replace(/\s+/g, " ").trim()
  if (line.length <= max) return line
  const cut = line.slice(0, max - 1)
  const space = cut.lastIndexOf(" ")
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`
}

/** The `title-summary` capability, in process. */
export const titleSummary = (task: TaskDocument, _context: RunContext): Effect.Effect<RunOutcome> =>
  Effect.sync(() => {
    const prompts = task.events.inline.map(promptOf).filter((p): p is string => p !== undefined)
    const source = prompts[0] ?? task.task.instructions
    const title = titleFrom(source) || `session ${task.session.id}`
    const kinds = new Map<string, number>()
    for (const e of task.events.inline) {
      const kind = isRecord(e) && typeof e["kind"] === "string" ? e["kind"] : "unknown"
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
    }
    const counted = [...kinds.entries()].map(([k, n]) => `${n} ${k}`).join(", ")
    const summary = `${task.session.agent} session with ${task.session.eventCount} events${counted === "" ? "" : ` (${counted}${task.events.more ? ", first page" : ""})`}; ${prompts.length} prompts, the first: ${titleFrom(source, 200) || "none"}`
    return { output: { title, summary }, usage: {} }
  })
