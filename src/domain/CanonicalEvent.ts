/**
 * The canonical events every agent's hook payload is normalised to (seed procedure B). Each
 * agent names its hook events and fields its own way (Claude Code `tool_response`, Cursor
 * `conversation_id`, Windsurf `trajectory_id` with `tool_info`, Gemini `prompt_response`...);
 * a normaliser per agent maps them onto these kinds and fields, keeping whatever it does not map
 * as sent, so that nothing an agent reports is lost.
 */

/** The kinds of canonical events. */
export const CANONICAL_KINDS = [
  /** A session began (see `SessionSource`). */
  "session.start",
  /** The user submitted a prompt. */
  "prompt",
  /** A tool is about to run (only for agents whose hook reports tools before they run). */
  "tool.request",
  /** A tool ran: its name, input and response. */
  "tool.use",
  /** A tool ran and failed. */
  "tool.failure",
  /** The agent finished answering a prompt. */
  "turn.end",
  /** The agent's turn failed (API error, crash, interruption). */
  "turn.failure",
  "subagent.start",
  "subagent.stop",
  /** The agent is about to compact (or has compacted) its context. */
  "compaction",
  /** The agent notified the user (waiting for input, permission prompt...). */
  "notification",
  /** The session ended. */
  "session.end",
  /** A hook event this normaliser does not know: stored raw, with a warning. */
  "unknown"
] as const
export type CanonicalKind = (typeof CANONICAL_KINDS)[number]

/** Why a session started: a fresh start, a resumed session, a cleared one, or after compaction. */
export type SessionSource = "startup" | "resume" | "clear" | "compact"

/** A tool call as the canonical events describe it. */
export interface CanonicalTool {
  readonly name: string
  readonly input: unknown
  /** The tool's result (tool.use), when the agent reports it. */
  readonly response?: unknown
  /** The error (tool.failure). */
  readonly error?: string
  /** The agent's id of this call, when it has one (Claude Code `tool_use_id`). */
  readonly callId?: string
  /**
   * The files the call reads or writes, as the agent named them: read from the input with the
   * agent's own field names, and from any patch in it (agents/Tools.ts). The capture boundary
   * withholds the content of an excluded file from every part of the event.
   */
  readonly files?: ReadonlyArray<string>
  /** The shell command line the call runs, for shell tools (an argv list joined by spaces). */
  readonly command?: string
}

/** The canonical fields of an event; which are set depends on the kind. */
export interface CanonicalData {
  /** prompt: the user's prompt. */
  readonly prompt?: string
  /** tool.request, tool.use, tool.failure. */
  readonly tool?: CanonicalTool
  /** turn.end: the agent's final answer, when the agent reports it (Gemini `prompt_response`). */
  readonly response?: string
  /** turn.failure, tool.failure: what went wrong. */
  readonly error?: string
  /** subagent.start/stop. */
  readonly subagent?: { readonly id?: string; readonly type?: string; readonly response?: string }
  /** session.end, compaction, notification: the agent's reason or trigger, as it says it. */
  readonly reason?: string
  /** notification: the message shown to the user. */
  readonly message?: string
  readonly model?: string
}

/** One hook payload, normalised. */
export interface NormalizedEvent {
  readonly kind: CanonicalKind
  /** The agent's own session id (null when the payload carries none: malformed or unknown). */
  readonly agentSessionId: string | null
  /** session.start: why it started (null when the agent does not say). */
  readonly source: SessionSource | null
  /** The working directory the agent reports. */
  readonly cwd: string | null
  /** The agent's transcript file, when it reports one. */
  readonly transcriptPath: string | null
  readonly data: CanonicalData
  /** Every field of the payload the normaliser did not map, as sent. */
  readonly extra: Readonly<Record<string, unknown>>
  /** What did not match the agent's contract (unknown event, a field of the wrong type...). */
  readonly warnings: ReadonlyArray<string>
}
