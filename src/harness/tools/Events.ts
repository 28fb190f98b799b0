/**
 * `events`: a session's captured events, paged. What it returns is what the store holds, already
 * through the capture boundary when it was stored (excluded files' content withheld, secrets
 * redacted, sizes bounded), so nothing is applied again here. Pages are bounded twice: at most 200
 * events, and at most `MAX_PAGE_BYTES` of them (a page cut short says where to go on).
 */
import { DateTime, Effect, Schema } from "effect"
import { SessionId } from "../../domain/Ids.js"
import { EventStore } from "../../store/EventStore.js"
import { ToolFailed } from "../Gateway.js"
import { defineTool } from "./Tool.js"

/** The most events one page may hold. */
export const MAX_EVENTS_PAGE = 200
/** The most bytes (encoded) one page may hold: the page ends before the event that would pass it. */
export const MAX_PAGE_BYTES = 256 * 1024

const Input = Schema.Struct({
  /** The session to read; the run's own session when absent. */
  sessionId: Schema.optional(SessionId),
  /** Events after this sequence number (exclusive); from the first when absent. */
  after: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  /** At most this many events (1 to 200, 50 when absent). */
  limit: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_EVENTS_PAGE)))
})

const Event = Schema.Struct({
  seq: Schema.Int,
  kind: Schema.String,
  at: Schema.String,
  late: Schema.Boolean,
  payload: Schema.Unknown
})

const Output = Schema.Struct({
  sessionId: Schema.String,
  events: Schema.Array(Event),
  /** The `after` of the next page, or null when this one is the last. */
  next: Schema.NullOr(Schema.Int)
})

export const eventsTool = defineTool({
  name: "events",
  description:
    "Reads a session's captured events in sequence order, one page at a time (at most 200 events). " +
    "Without sessionId it reads the session this run is about. Pass the answer's `next` as `after` to read the next page; `next` is null on the last page.",
  writes: false,
  input: Input,
  output: Output,
  run: (input, context) =>
    Effect.gen(function* () {
      const store = yield* EventStore
      const sessionId = input.sessionId ?? context.sessionId
      const limit = input.limit ?? 50
      // One more than asked, to know whether there is a next page.
      const stored = yield* store
        .list(sessionId, { afterSeq: input.after ?? 0, limit: limit + 1 })
        .pipe(Effect.mapError((failure) => new ToolFailed({ tool: "events", message: `the events could not be read: ${failure.message}` })))
      const events: Array<typeof Event.Type> = []
      let bytes = 0
      let cut = false
      for (const event of stored.slice(0, limit)) {
        const item = { seq: event.seq, kind: event.kind, at: DateTime.formatIso(event.at), late: event.late, payload: event.payload }
        const size = Buffer.byteLength(JSON.stringify(item) ?? "", "utf8")
        if (events.length > 0 && bytes + size > MAX_PAGE_BYTES) {
          cut = true
          break
        }
        bytes += size
        events.push(item)
      }
      const last = events[events.length - 1]
      const more = cut || stored.length > limit
      return { sessionId, events, next: more && last !== undefined ? last.seq : null }
    })
})
