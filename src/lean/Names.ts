/**
 * The spelling of the names that travel between the agents' hook commands, the hook binary and the
 * supervisor. Written once here, Effect-free, so that the hook (which loads no Effect) and the
 * schemas of the domain (domain/Ids.ts) check the very same pattern.
 */

/** An agent name as installed hooks pass it with `--agent`: lower-case, digits and dashes, 1-32. */
export const AGENT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/

/** What an agent name may be, for error messages. */
export const AGENT_NAME_RULE = "an agent name is 1-32 characters of a-z, 0-9 and -, starting with a letter"

/** The longest hook event name the hook accepts (as the agent spells it). */
export const MAX_EVENT_NAME_LENGTH = 128

/** The agent name of sessions made by hand (`myco session create`). */
export const CLI_AGENT = "cli"

/** Longest accepted session id. Agents use UUIDs (36 chars); the slack is for prefixed ids. */
export const SESSION_ID_MAX_LENGTH = 128

/**
 * A session id: letters, digits and `. _ : @ + -`, starting with a letter or digit (at most
 * {@link SESSION_ID_MAX_LENGTH} characters). No path separators, whitespace or control characters.
 */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+-]*$/

/** Whether `text` is a session id. */
export const isSessionId = (text: string): boolean => text.length <= SESSION_ID_MAX_LENGTH && SESSION_ID_PATTERN.test(text)

/** Project and machine ids: UUID-shaped, lower-case hex. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** An event's idempotency id: 1-128 characters of letters, digits and `. _ : @ + -`. */
export const IDEMPOTENCY_ID_PATTERN = /^[A-Za-z0-9._:@+-]{1,128}$/

/** An event kind, e.g. `prompt`, `tool_use`, `session_end`. */
export const EVENT_KIND_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/
