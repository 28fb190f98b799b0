/**
 * The read path: `myco session list`, `myco session show` and `myco status` answered without the
 * full CLI (no Effect, no @effect/cli, no schemas), because they are what users and scripts call
 * most and must cost little more than starting Node (`npm run bench:cli`). The launcher
 * (scripts/launcher.cjs) hands these command lines here first; whatever this module declines
 * (another spelling of the options, a problem to report, a vault the full CLI would change) goes
 * on to the full CLI, unchanged, so every answer given here is the one the full CLI would give:
 * the same bytes on stdout and stderr (lean/Documents.ts, lean/Render.ts) and the same exit code.
 *
 * Sessions are read from the vault database directly, read-only, whether or not a supervisor runs
 * (it commits before it acknowledges, so the database holds what it would answer); the status is
 * asked of the supervisor over its socket.
 */
import { VERSION } from "../lean/Build.js"
import { readDaemonInfo } from "../lean/DaemonInfo.js"
import {
  eventsInEmittedOrder,
  jsonDocumentText,
  sessionJson,
  sessionShowJson,
  statusJson,
  transitionJson
} from "../lean/Documents.js"
import { ExitCode, exitOnceFlushed } from "../lean/ExitCode.js"
import {
  linesText,
  listCutNote,
  renderSession,
  renderSessionList,
  renderSessionShow,
  sessionNotFoundMessage,
  SUPERVISOR_NOT_RUNNING
} from "../lean/Render.js"
import { parseReadArgs, type ReadCommand } from "./Argv.js"
import { isRefusal, openReadDatabase, type ReadDatabase } from "./Database.js"
import { askStatus } from "./Supervisor.js"
import { openVaultForReading, type ReadableVault } from "./Vault.js"

/** What the read path did with a command line: answered it, or left it to the full CLI (and why). */
export type ReadOutcome =
  | { readonly _tag: "Answered"; readonly code: number; readonly stdout: string; readonly stderr: string }
  | { readonly _tag: "Declined"; readonly reason: string }

const declined = (reason: string): ReadOutcome => ({ _tag: "Declined", reason })
const answered = (code: number, stdout: string, stderr = ""): ReadOutcome => ({ _tag: "Answered", code, stdout, stderr })

/** Where a command runs: its working directory and environment. */
export interface ReadContext {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
}

/**
 * The vault database, when the full CLI would read it as it is. With a supervisor of another
 * version running, the full CLI would ask it, and might be refused: that is its to say.
 */
const withDatabase = (vault: ReadableVault, use: (db: ReadDatabase) => ReadOutcome): ReadOutcome => {
  const info = readDaemonInfo(vault.run)
  if (info !== undefined && info.version !== VERSION) return declined(`a supervisor of myco ${info.version} is recorded`)
  const db = openReadDatabase(vault.db, vault.config.busyTimeoutMs)
  if (isRefusal(db)) return declined(db.refused)
  try {
    return use(db)
  } finally {
    db.close()
  }
}

const list = (command: Extract<ReadCommand, { _tag: "SessionList" }>, vault: ReadableVault): ReadOutcome =>
  withDatabase(vault, (db) => {
    // One row more than shown tells whether the list was cut, without counting them all.
    const rows = db.listSessions({ status: command.status, agent: command.agent, limit: command.all ? undefined : command.limit + 1 })
    if (isRefusal(rows)) return declined(rows.refused)
    const sessions = (command.all ? rows : rows.slice(0, command.limit)).map(sessionJson)
    const stdout = command.json ? jsonDocumentText(sessions) : linesText(renderSessionList(sessions))
    return answered(ExitCode.ok, stdout, rows.length > sessions.length ? linesText([listCutNote(sessions.length)]) : "")
  })

const show = (command: Extract<ReadCommand, { _tag: "SessionShow" }>, vault: ReadableVault): ReadOutcome =>
  withDatabase(vault, (db) => {
    const found = db.getSession(command.id)
    if (isRefusal(found)) return declined(found.refused)
    if (found === null) return answered(ExitCode.noInput, "", linesText([`myco: ${sessionNotFoundMessage(command.id)}`]))
    const session = sessionJson(found)
    if (command.noEvents) return answered(ExitCode.ok, command.json ? jsonDocumentText(session) : linesText(renderSession(session)))
    const history = db.history(command.id)
    if (isRefusal(history)) return declined(history.refused)
    // A session without a creation row: the full CLI reports it (its history says "no session").
    if (history.length === 0) return declined("a session without history")
    const events = db.events(command.id)
    if (isRefusal(events)) return declined(events.refused)
    const historyJson = history.map(transitionJson)
    const eventsJson = eventsInEmittedOrder(events)
    return answered(
      ExitCode.ok,
      command.json ? jsonDocumentText(sessionShowJson(session, historyJson, eventsJson)) : linesText(renderSessionShow(session, historyJson, eventsJson))
    )
  })

const status = async (command: Extract<ReadCommand, { _tag: "Status" }>, vault: ReadableVault): Promise<ReadOutcome> => {
  const outcome = await askStatus(vault.run)
  switch (outcome._tag) {
    case "NotRunning":
      return answered(ExitCode.unavailable, command.json ? jsonDocumentText(statusJson(undefined)) : "", linesText([SUPERVISOR_NOT_RUNNING]))
    // A running supervisor's status (intake, spools, losses, harnesses) is rendered by the full
    // CLI alone: the read path answers only "not running", the most common case of scripts.
    case "Running":
      return declined("a running supervisor's status is the full CLI's to render")
    case "Refused":
      return declined(outcome.reason)
  }
}

/** Answers `args` (the arguments after `myco`) as the full CLI would, or declines. Writes nothing. */
export const answer = async (args: ReadonlyArray<string>, context: ReadContext): Promise<ReadOutcome> => {
  const parsed = parseReadArgs(args)
  if (!parsed.ok) return declined(parsed.reason)
  const command = parsed.command
  const opened = openVaultForReading(command.vault, context.cwd, context.env, { database: command._tag !== "Status" })
  if (!opened.ok) return declined(opened.reason)
  switch (command._tag) {
    case "SessionList":
      return list(command, opened.vault)
    case "SessionShow":
      return show(command, opened.vault)
    case "Status":
      return status(command, opened.vault)
  }
}

/**
 * For the launcher: answers the command line on this process's stdout and stderr and ends the
 * process as the CLI ends it, or returns false, having written nothing, for the full CLI to run it.
 */
export const run = async (args: ReadonlyArray<string>): Promise<boolean> => {
  const outcome = await answer(args, { cwd: process.cwd(), env: process.env })
  if (outcome._tag === "Declined") return false
  if (outcome.stdout !== "") process.stdout.write(outcome.stdout)
  if (outcome.stderr !== "") process.stderr.write(outcome.stderr)
  process.exitCode = outcome.code
  exitOnceFlushed()
  return true
}
