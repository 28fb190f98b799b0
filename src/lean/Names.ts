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
