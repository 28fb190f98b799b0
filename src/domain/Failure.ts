/**
 * The four failure classes of myco (docs/architecture.md, failure classes). Every failure that crosses a module
 * boundary is one of these, carried in the error channel, never thrown. Each class has its own
 * policy: transient -> retry with backoff, config -> surface with a fix, system -> escalate,
 * agent -> isolate and restart.
 *
 * They are Schema.TaggedError classes so that they can travel over the wire unchanged.
 */
import { Schema } from "effect"

/**
 * A failure that is expected to go away by itself: SQLITE_BUSY, a socket reset, a rate limit, a
 * full disk (code {@link DISK_FULL}: it goes away once space is freed).
 */
export class TransientError extends Schema.TaggedError<TransientError>()("TransientError", {
  /** What was being attempted, e.g. "sqlite.transition". */
  operation: Schema.String,
  message: Schema.String,
  /** A machine-readable code from the failing layer, e.g. "SQLITE_BUSY". */
  code: Schema.optional(Schema.String)
}) {}

/** A setup problem the user must fix: bad myco.yaml, no vault, missing binary, no permission. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  message: Schema.String,
  /** What to do about it, in one sentence. */
  hint: Schema.String,
  /** The command that diagnoses or fixes it, e.g. "myco init" or "myco doctor". */
  fix: Schema.String,
  /** The file or config path concerned, when there is one. */
  path: Schema.optional(Schema.String)
}) {}

/** The machine or the vault is in trouble: corrupt DB, I/O error, vault unwritable. Escalates. */
export class SystemError extends Schema.TaggedError<SystemError>()("SystemError", {
  operation: Schema.String,
  message: Schema.String,
  code: Schema.optional(Schema.String),
  /** The resource concerned (a file, the database), when known. */
  resource: Schema.optional(Schema.String),
  /** What to do about it, in one sentence, when there is something the user can do. */
  hint: Schema.optional(Schema.String),
  /** The command that repairs it, e.g. "myco doctor --fix", when there is one. */
  fix: Schema.optional(Schema.String)
}) {}

/** An agent or harness misbehaved: crashed, timed out, exceeded a limit, returned garbage. */
export class AgentError extends Schema.TaggedError<AgentError>()("AgentError", {
  /** Which actor or harness failed. */
  actor: Schema.String,
  message: Schema.String,
  exitCode: Schema.optional(Schema.Number),
  stderrTail: Schema.optional(Schema.String),
  /** The limit that was hit, if any: "time", "memory", "output", "tool". */
  limit: Schema.optional(Schema.String)
}) {}

/** Any of the four classes. */
export type Failure = TransientError | ConfigError | SystemError | AgentError

/** The class names, for logs, metrics and the supervision tree snapshot. */
export type FailureClass = Failure["_tag"]

/** Schema of the union, for decoding failures that crossed the wire. */
export const Failure = Schema.Union(TransientError, ConfigError, SystemError, AgentError)

/** True when `u` is one of the four failure classes. */
export const isFailure = Schema.is(Failure)

/**
 * The code of a TransientError raised because the vault's disk (or the user's quota) is full:
 * writes fail until someone frees space, and then work again. The supervisor pauses its writes
 * on it (capture/IntakePause.ts) instead of giving up; a client spools or retries later.
 */
export const DISK_FULL = "DISK_FULL"

/** Whether `u` is a failure because the disk is full (a TransientError with code {@link DISK_FULL}), wherever it came from. */
export const isDiskFull = (u: unknown): boolean =>
  typeof u === "object" && u !== null && "_tag" in u && u._tag === "TransientError" && "code" in u && u.code === DISK_FULL
