/**
 * Identifiers: sessions, projects, machines and agents. All are branded strings validated by
 * strict patterns, because they end up in file names, socket frames and SQL rows.
 */
import { createHash } from "node:crypto"
import { Schema } from "effect"
import { AGENT_NAME_PATTERN, AGENT_NAME_RULE, SESSION_ID_MAX_LENGTH, SESSION_ID_PATTERN, UUID_PATTERN } from "../lean/Names.js"

export { SESSION_ID_MAX_LENGTH } from "../lean/Names.js"

/**
 * A session id: 1-128 characters of `A-Z a-z 0-9 . _ : @ + -`, starting with a letter or digit.
 * No path separators, no whitespace or control characters, never `.` or `..`.
 */
export const SessionId = Schema.String.pipe(
  Schema.pattern(SESSION_ID_PATTERN, {
    message: () =>
      "a session id may contain only letters, digits and . _ : @ + - (starting with a letter or digit; no slashes, spaces or control characters)"
  }),
  Schema.maxLength(SESSION_ID_MAX_LENGTH, {
    message: () => `a session id is at most ${SESSION_ID_MAX_LENGTH} characters long`
  }),
  Schema.brand("SessionId")
)
export type SessionId = typeof SessionId.Type

/** A project id: a UUID-shaped string stored in the vault's project.json. */
export const ProjectId = Schema.String.pipe(
  Schema.pattern(UUID_PATTERN),
  Schema.brand("ProjectId")
)
export type ProjectId = typeof ProjectId.Type

/** A machine id: a UUID-shaped string, stable per user and machine. */
export const MachineId = Schema.String.pipe(
  Schema.pattern(UUID_PATTERN),
  Schema.brand("MachineId")
)
export type MachineId = typeof MachineId.Type

/** An agent name as installed hooks pass it with `--agent`: lower-case, digits and dashes. */
export const AgentName = Schema.String.pipe(
  Schema.pattern(AGENT_NAME_PATTERN, { message: () => AGENT_NAME_RULE }),
  Schema.brand("AgentName")
)
export type AgentName = typeof AgentName.Type

const uuidFromBytes = (bytes: Uint8Array): string => {
  const hex = Buffer.from(bytes).toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`
}

/** What a generated session id is derived from. */
export interface SessionIdSeed {
  readonly projectId: ProjectId
  readonly machineId: MachineId
  readonly agent: AgentName
  /** Creation time in epoch milliseconds. */
  readonly timestampMs: number
}

/**
 * Derives a session id when the agent gives none. Same inputs, same id.
 *
 * The id is UUID-shaped (RFC 9562 version 8, "custom"): the first 48 bits are the timestamp in
 * milliseconds, big-endian, so ids sort by creation time like UUIDv7; the remaining bits come
 * from SHA-256 over `myco-session`, project id, machine id, agent and timestamp, so two projects
 * or machines creating a session in the same millisecond get different ids.
 */
export const deriveSessionId = (seed: SessionIdSeed): SessionId => {
  const digest = createHash("sha256")
    .update(`myco-session\0${seed.projectId}\0${seed.machineId}\0${seed.agent}\0${seed.timestampMs}`)
    .digest()
  const bytes = new Uint8Array(16)
  let ms = Math.max(0, Math.floor(seed.timestampMs))
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  for (let i = 6; i < 16; i++) bytes[i] = digest[i] ?? 0
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80 // version 8
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80 // RFC 9562 variant
  return SessionId.make(uuidFromBytes(bytes))
}

/** A fresh random UUID (version 4), for project and machine ids. */
export const randomUuid = (): string => globalThis.crypto.randomUUID()
