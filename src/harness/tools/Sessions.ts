/**
 * `sessions`: finds sessions by a simple, case-insensitive text match on their id, title, agent
 * and working directory, newest first. It is a plain scan of the newest `SCAN_LIMIT` sessions
 * through the SessionStore port, until full-text search comes with the search index; the answer
 * says how many were looked at.
 */
import { DateTime, Effect, Schema } from "effect"
import { SessionStore } from "../../store/SessionStore.js"
import { ToolFailed } from "../Gateway.js"
import { defineTool } from "./Tool.js"

/** How many of the newest sessions a query looks at. */
export const SCAN_LIMIT = 5000

const Input = Schema.Struct({
  /** Text to look for (case-insensitive) in the id, title, agent and cwd. */
  query: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)),
  /** At most this many matches (1 to 50, 20 when absent). */
  limit: Schema.optional(Schema.Int.pipe(Schema.between(1, 50)))
})

const Found = Schema.Struct({
  id: Schema.String,
  agent: Schema.String,
  status: Schema.String,
  title: Schema.NullOr(Schema.String),
  cwd: Schema.NullOr(Schema.String),
  createdAt: Schema.String,
  events: Schema.Int
})

const Output = Schema.Struct({
  sessions: Schema.Array(Found),
  /** How many sessions were looked at (the newest ones, at most 5000). */
  scanned: Schema.Int
})

export const sessionsTool = defineTool({
  name: "sessions",
  description:
    "Finds sessions whose id, title, agent or working directory contains the query (case-insensitive), newest first. " +
    "Returns each session's id, agent, status, title, cwd, creation time and event count.",
  writes: false,
  input: Input,
  output: Output,
  run: (input) =>
    Effect.gen(function* () {
      const store = yield* SessionStore
      const all = yield* store
        .list({ limit: SCAN_LIMIT })
        .pipe(Effect.mapError((failure) => new ToolFailed({ tool: "sessions", message: `the sessions could not be read: ${failure.message}` })))
      const needle = input.query.toLowerCase()
      const limit = input.limit ?? 20
      const matches = all.filter((s) =>
        [s.id, s.metadata.title ?? "", s.agent, s.metadata.cwd ?? ""].some((field) => field.toLowerCase().includes(needle))
      )
      return {
        sessions: matches.slice(0, limit).map((s) => ({
          id: s.id,
          agent: s.agent,
          status: s.status,
          title: s.metadata.title,
          cwd: s.metadata.cwd,
          createdAt: DateTime.formatIso(s.createdAt),
          events: s.counters.events
        })),
        scanned: all.length
      }
    })
})
