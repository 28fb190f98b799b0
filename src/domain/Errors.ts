/**
 * Domain errors that are not failure classes: the outcomes a caller must handle by name
 * (unknown id, lost race, ...). Failure classes live in Failure.ts.
 */
import { Data } from "effect"
import type { SessionStatus } from "./Session.js"

/** No session with this id in the vault. */
export class SessionNotFound extends Data.TaggedError("SessionNotFound")<{
  readonly sessionId: string
  /** Set when the missing session was named as another's parent. */
  readonly role?: "parent"
}> {
  override get message(): string {
    const what = this.role === "parent" ? "parent session" : "session"
    return `no ${what} ${this.sessionId} in this vault (list them with \`myco session list\`)`
  }
}

/** A session with this id exists already. */
export class SessionExists extends Data.TaggedError("SessionExists")<{ readonly sessionId: string }> {
  override get message(): string {
    return `session ${this.sessionId} exists already (see \`myco session show ${this.sessionId}\`)`
  }
}

/**
 * A lost race: the session changed between reading it and writing it (compare-and-set on status
 * and version failed), or it is not at the version the caller expected.
 */
export class VersionConflict extends Data.TaggedError("VersionConflict")<{
  readonly sessionId: string
  readonly expectedVersion: number
  /** `null` when the caller asked for a version only (`--if-version`). */
  readonly expectedStatus: SessionStatus | null
  readonly actualVersion: number
  readonly actualStatus: SessionStatus
}> {
  override get message(): string {
    const expected = this.expectedStatus === null ? "" : `${this.expectedStatus} at `
    return (
      `session ${this.sessionId} changed concurrently: expected ${expected}version ${this.expectedVersion}, ` +
      `found ${this.actualStatus} at version ${this.actualVersion} (see \`myco session history ${this.sessionId}\`)`
    )
  }
}

/** Input that does not parse: a bad session id, agent name, filter value. */
export class InvalidInput extends Data.TaggedError("InvalidInput")<{
  readonly field: string
  readonly value: string
  readonly reason: string
}> {
  override get message(): string {
    return `invalid ${this.field} ${JSON.stringify(this.value)}: ${this.reason}`
  }
}

/** The agent may not create sessions in this vault (myco.yaml `agents.allowed`). */
export class AgentNotAllowed extends Data.TaggedError("AgentNotAllowed")<{
  readonly agent: string
  readonly allowed: ReadonlyArray<string>
}> {
  override get message(): string {
    return `agent ${this.agent} may not create sessions in this vault (agents.allowed in myco.yaml: ${this.allowed.join(", ")})`
  }
}
