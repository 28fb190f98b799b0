/**
 * Which command lines the read path answers: `myco session list`, `myco session show ID` and
 * `myco status` with their options, spelled the plain way. The full CLI's parser (@effect/cli)
 * accepts more spellings (option names in any case, `--json yes`, `--limit 0x10`, abbreviations it
 * corrects, built-in options such as `--help`); those, and anything wrong, are not recognised here
 * and go to the full CLI, which answers them (or reports the usage error) as it always does. So
 * whatever is recognised here means exactly what it means to the full CLI, and no error message
 * of the parser is ever written twice.
 */
import { DEFAULT_LIST_LIMIT, SESSION_STATUSES, type SessionStatusName } from "../lean/Documents.js"
import { AGENT_NAME_PATTERN, isSessionId } from "../lean/Names.js"

/** A read command, parsed. `vault` is the `--vault` value as given. */
export type ReadCommand =
  | {
      readonly _tag: "SessionList"
      readonly vault: string | undefined
      readonly json: boolean
      readonly status: SessionStatusName | undefined
      readonly agent: string | undefined
      readonly limit: number
      readonly all: boolean
    }
  | {
      readonly _tag: "SessionShow"
      readonly vault: string | undefined
      readonly json: boolean
      readonly id: string
      readonly noEvents: boolean
    }
  | { readonly _tag: "Status"; readonly vault: string | undefined; readonly json: boolean }

/** A command line parsed, or why the full CLI should have it. */
export type ParsedArgs = { readonly ok: true; readonly command: ReadCommand } | { readonly ok: false; readonly reason: string }

/**
 * The words the full CLI's parser takes as the value of a boolean option that they follow
 * (`--json yes`). A positional argument spelled so could be read either way: it goes to the full CLI.
 */
const BOOLEAN_WORDS: ReadonlySet<string> = new Set(["true", "1", "y", "yes", "on", "false", "0", "n", "no", "off"])

/** The largest `--limit` recognised here (nine digits); a larger one goes to the full CLI. */
const LIMIT_PATTERN = /^[1-9][0-9]{0,8}$/

/** The options of one read command: which take a value, which are flags. */
interface Grammar {
  readonly values: ReadonlySet<string>
  readonly flags: ReadonlySet<string>
  readonly positionals: number
}

const grammars = {
  SessionList: { values: new Set(["--status", "--agent", "--limit", "--vault"]), flags: new Set(["--all", "--json"]), positionals: 0 },
  SessionShow: { values: new Set(["--vault"]), flags: new Set(["--no-events", "--json"]), positionals: 1 },
  Status: { values: new Set(["--vault"]), flags: new Set(["--json"]), positionals: 0 }
} as const satisfies Record<ReadCommand["_tag"], Grammar>

interface Scanned {
  readonly values: ReadonlyMap<string, string>
  readonly flags: ReadonlySet<string>
  readonly positionals: ReadonlyArray<string>
}

const refuse = (reason: string): ParsedArgs => ({ ok: false, reason })

/** Scans the arguments after the command's name against its grammar, or says why not. */
const scan = (args: ReadonlyArray<string>, grammar: Grammar): Scanned | string => {
  const values = new Map<string, string>()
  const flags = new Set<string>()
  const positionals: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ""
    if (arg.startsWith("-")) {
      const equals = arg.indexOf("=")
      const name = equals === -1 ? arg : arg.slice(0, equals)
      if (grammar.flags.has(name)) {
        if (equals !== -1) return `${name} with a value`
        if (flags.has(name)) return `${name} given twice`
        flags.add(name)
        continue
      }
      if (!grammar.values.has(name)) return `option ${arg}`
      if (values.has(name)) return `${name} given twice`
      const value = equals === -1 ? args[++i] : arg.slice(equals + 1)
      // An empty value, one that looks like an option or has surrounding blanks: the full CLI's.
      if (value === undefined || value === "" || value.startsWith("-") || value.trim() !== value) return `the value of ${name}`
      values.set(name, value)
      continue
    }
    positionals.push(arg)
  }
  if (positionals.length > grammar.positionals) return "an extra argument"
  return { values, flags, positionals }
}

const isStatus = (text: string): text is SessionStatusName => SESSION_STATUSES.some((status) => status === text)

/** The read command that `args` (the arguments after `myco`) spells, or why the full CLI should have them. */
export const parseReadArgs = (args: ReadonlyArray<string>): ParsedArgs => {
  const [first, second] = args
  if (first === "status") {
    const scanned = scan(args.slice(1), grammars.Status)
    if (typeof scanned === "string") return refuse(scanned)
    return { ok: true, command: { _tag: "Status", vault: scanned.values.get("--vault"), json: scanned.flags.has("--json") } }
  }
  if (first !== "session") return refuse("not a read command")
  if (second === "list") {
    const scanned = scan(args.slice(2), grammars.SessionList)
    if (typeof scanned === "string") return refuse(scanned)
    const status = scanned.values.get("--status")
    const agent = scanned.values.get("--agent")
    const limit = scanned.values.get("--limit")
    if (status !== undefined && !isStatus(status)) return refuse("the value of --status")
    if (agent !== undefined && !AGENT_NAME_PATTERN.test(agent)) return refuse("the value of --agent")
    if (limit !== undefined && !LIMIT_PATTERN.test(limit)) return refuse("the value of --limit")
    return {
      ok: true,
      command: {
        _tag: "SessionList",
        vault: scanned.values.get("--vault"),
        json: scanned.flags.has("--json"),
        status,
        agent,
        limit: limit === undefined ? DEFAULT_LIST_LIMIT : Number(limit),
        all: scanned.flags.has("--all")
      }
    }
  }
  if (second === "show") {
    const scanned = scan(args.slice(2), grammars.SessionShow)
    if (typeof scanned === "string") return refuse(scanned)
    const id = scanned.positionals[0]
    if (id === undefined) return refuse("no session id")
    if (!isSessionId(id) || BOOLEAN_WORDS.has(id.toLowerCase())) return refuse("the session id")
    return {
      ok: true,
      command: { _tag: "SessionShow", vault: scanned.values.get("--vault"), json: scanned.flags.has("--json"), id, noEvents: scanned.flags.has("--no-events") }
    }
  }
  return refuse("not a read command")
}
