/**
 * Domain errors that are not failure classes: the outcomes a caller must handle by name
 * (unknown id, lost race, ...). Failure classes live in Failure.ts. They are Schema classes so
 * that the supervisor can send them over its socket and clients get them back typed.
 */
import { Schema } from "effect"
import { sessionNotFoundMessage } from "../lean/Render.js"
import { SessionStatus } from "./Session.js"

/** No session with this id in the vault. */
export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  sessionId: Schema.String,
  /** Set when the missing session was named as another's parent. */
  role: Schema.optional(Schema.Literal("parent"))
}) {
  override get message(): string {
    return sessionNotFoundMessage(this.sessionId, this.role)
  }
}

/** A session with this id exists already. */
export class SessionExists extends Schema.TaggedError<SessionExists>()("SessionExists", { sessionId: Schema.String }) {
  override get message(): string {
    return `session ${this.sessionId} exists already (see \`myco session show ${this.sessionId}\`)`
  }
}

/**
 * A lost race: the session changed between reading it and writing it (compare-and-set on status
 * and version failed), or it is not at the version the caller expected.
 */
export class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {
  sessionId: Schema.String,
  expectedVersion: Schema.Number,
  /** `null` when the caller asked for a version only (`--if-version`). */
  expectedStatus: Schema.NullOr(SessionStatus),
  actualVersion: Schema.Number,
  actualStatus: SessionStatus
}) {
  override get message(): string {
    const expected = this.expectedStatus === null ? "" : `${this.expectedStatus} at `
    return (
      `session ${this.sessionId} changed concurrently: expected ${expected}version ${this.expectedVersion}, ` +
      `found ${this.actualStatus} at version ${this.actualVersion} (see \`myco session history ${this.sessionId}\`)`
    )
  }
}

/** The agent may not create sessions in this vault (myco.yaml `agents.allowed`). */
export class AgentNotAllowed extends Schema.TaggedError<AgentNotAllowed>()("AgentNotAllowed", {
  agent: Schema.String,
  allowed: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `agent ${this.agent} may not create sessions in this vault (agents.allowed in myco.yaml: ${this.allowed.join(", ")})`
  }
}
