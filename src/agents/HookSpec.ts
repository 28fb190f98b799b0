/**
 * How myco installs one agent's hooks, as data: where the agent keeps its project-level hook
 * configuration, which of its events myco installs (named exactly as the agent names them), how
 * each hook command is spelled and what each entry looks like. Each agent's folder declares one
 * (`hooks.ts`); install/ merges them into the user's files. Effect-free, like all of agents/.
 */

/** Where the guard lives, relative to the project; every myco hook command runs it. */
export const GUARD_PATH = ".agents/myco-run.cjs"

/** A JSON object, as read from a config file. */
export type JsonObject = { readonly [key: string]: unknown }

/** One event myco installs a hook for. */
export interface InstalledEvent {
  /** The event's name, spelled as the agent spells it. */
  readonly name: string
  /** Installed non-blocking (the agent does not wait for it). */
  readonly async: boolean
  /** The agent's matcher, when myco narrows the event (none does today: capture wants all). */
  readonly matcher?: string
  /** What the event gives myco, for `myco hooks status` and the docs. */
  readonly captures: string
}

/**
 * How an agent lays out the entries of one event:
 * - `groups`: matcher groups, `[{ matcher?, hooks: [handler, ...] }]` (Claude Code, Codex, Gemini CLI);
 * - `flat`: handlers directly, `[handler, ...]` (Cursor, VS Code, Windsurf).
 */
export type Layout = "groups" | "flat"

/** The syntax an agent's config file is read with: strict JSON, or JSON with comments. */
export type ConfigFormat = "json" | "jsonc"

/** What a hook command needs to know about where the project sits. */
export interface CommandContext {
  /**
   * The project directory relative to the root of its git work tree ("" when it is the root), or
   * null when it is not in one. Only Codex needs it: it gives hooks no project directory.
   */
  readonly projectInGit: string | null
}

/** One agent's hook configuration, as myco installs it. */
export interface AgentHooks {
  readonly agent: string
  /** The agent's name for people. */
  readonly title: string
  /** The project-level config file, relative to the project (forward slashes). */
  readonly configPath: string
  /**
   * How the agent reads that file: `json` (strict JSON: a comment makes the file unreadable to the
   * agent, so myco refuses to edit it too) or `jsonc` (JSON with `//` and block comments, which
   * myco keeps exactly as they are).
   */
  readonly format: ConfigFormat
  /** Whether the agent accepts a trailing comma in an object or array (only ever with `jsonc`). */
  readonly trailingCommas: boolean
  readonly layout: Layout
  /** The document a new config file starts from (its `hooks` object is filled in). */
  readonly skeleton: JsonObject
  /** The events myco installs, in the order they are written. */
  readonly events: ReadonlyArray<InstalledEvent>
  /** The command that runs the guard for `event`. */
  readonly command: (event: InstalledEvent, context: CommandContext) => string
  /** The entry myco puts under `event`: a handler (`flat`) or a group holding one (`groups`). */
  readonly entry: (event: InstalledEvent, command: string) => JsonObject
  /** What the agent's hooks cannot do for capture, in a sentence each. */
  readonly limitations: ReadonlyArray<string>
  /** The published documentation this configuration follows. */
  readonly docs: ReadonlyArray<string>
}

/** How long a blocking hook may run before the agent gives up on it, in seconds. */
export const HOOK_TIMEOUT_SECONDS = 10

/** Quotes a string for a POSIX shell's double quotes. */
export const shellDoubleQuoted = (s: string): string => s.replace(/["\\$`]/g, (c) => `\\${c}`)

/**
 * The guard, spelled as a hook command runs it from the project directory: quoted, so that no
 * shell splits or expands it (every agent's command quotes every path it names).
 */
export const QUOTED_GUARD_PATH = `"${shellDoubleQuoted(GUARD_PATH)}"`

/** One installed event. */
export const installedEvent = (name: string, async: boolean, captures: string): InstalledEvent => ({ name, async, captures })
