/** `myco session ...`: create, inspect and move sessions through their lifecycle. */
import * as fs from "node:fs"
import * as path from "node:path"
import { Args, Command, Options } from "@effect/cli"
import { DateTime, Effect, Option, Schema, Stream } from "effect"
import type { StoredEvent } from "../domain/Event.js"
import { AgentName, SessionId } from "../domain/Ids.js"
import { type Session, sessionToJson, SessionStatus, type TransitionCommand, transitionToJson } from "../domain/Session.js"
import { DEFAULT_LIST_LIMIT, eventsInEmittedOrder, sessionShowJson } from "../lean/Documents.js"
import { listCutNote, renderHistory, renderSession, renderSessionList, renderSessionShow } from "../lean/Render.js"
import { SessionLifecycle } from "../session/Lifecycle.js"
import { Watch, WatchItem } from "../protocol/Protocol.js"
import { EventStore } from "../store/EventStore.js"
import { layerEventStore } from "../store/sqlite/EventStore.js"
import { databaseLayer, jsonOption, sessionLayer, vaultLayer, vaultOption } from "./Common.js"
import { supervisorClient } from "./DaemonCommands.js"
import { ExitCode } from "./ExitCodes.js"
import { Output } from "./Output.js"
import { renderWatchItem } from "./Render.js"
import { Signals } from "./Signals.js"

const sessionIdArg = Args.text({ name: "id" }).pipe(
  Args.withSchema(SessionId),
  Args.withDescription("the session id")
)

/** Prints a session as text or JSON (lean/Documents.ts and lean/Render.ts, which the read path prints too). */
const printSession = (session: Session, json: boolean) =>
  Effect.flatMap(Output, (out) => {
    const document = sessionToJson(session)
    return json ? out.json(document) : Effect.forEach(renderSession(document), out.line, { discard: true })
  })

/** The branch checked out in `dir`'s git repository, read from .git/HEAD without running git. */
const gitBranch = (dir: string): string | null => {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const head = path.join(current, ".git", "HEAD")
    if (fs.existsSync(head)) {
      const match = /^ref: refs\/heads\/(.+)$/m.exec(fs.readFileSync(head, "utf8"))
      return match?.[1]?.trim() ?? null
    }
    if (path.dirname(current) === current) return null
  }
}

const create = Command.make(
  "create",
  {
    agent: Options.text("agent").pipe(
      Options.withSchema(AgentName),
      Options.withDefault(AgentName.make("cli")),
      Options.withDescription("the agent the session belongs to (must be in agents.allowed)")
    ),
    id: Options.text("id").pipe(
      Options.withSchema(SessionId),
      Options.optional,
      Options.withDescription("the agent's own session id; derived from time and project when absent")
    ),
    parent: Options.text("parent").pipe(
      Options.withSchema(SessionId),
      Options.optional,
      Options.withDescription("the session this one continues (lineage)")
    ),
    title: Options.text("title").pipe(Options.optional, Options.withDescription("a short title")),
    transcript: Options.text("transcript").pipe(Options.optional, Options.withDescription("path of the agent's transcript")),
    reason: Options.text("reason").pipe(Options.optional, Options.withDescription("why, recorded in the history")),
    vault: vaultOption,
    json: jsonOption
  },
  (o) =>
    Effect.gen(function* () {
      const lifecycle = yield* SessionLifecycle
      const cwd = process.cwd()
      const { session } = yield* lifecycle.create({
        agent: o.agent,
        id: Option.getOrUndefined(o.id),
        parentId: Option.getOrUndefined(o.parent),
        metadata: {
          cwd,
          branch: gitBranch(cwd),
          title: Option.getOrNull(o.title),
          transcriptPath: Option.getOrNull(o.transcript)
        },
        reason: Option.getOrUndefined(o.reason)
      })
      yield* printSession(session, o.json)
    }).pipe(Effect.provide(sessionLayer(o.vault)))
).pipe(Command.withDescription("create an active session"))

const list = Command.make(
  "list",
  {
    status: Options.choice("status", SessionStatus.literals).pipe(
      Options.optional,
      Options.withDescription("only sessions in this status")
    ),
    agent: Options.text("agent").pipe(
      Options.withSchema(AgentName),
      Options.optional,
      Options.withDescription("only sessions of this agent")
    ),
    limit: Options.integer("limit").pipe(
      Options.withSchema(Schema.Int.pipe(Schema.positive())),
      Options.withDefault(DEFAULT_LIST_LIMIT),
      Options.withDescription(`at most this many, newest first (default ${DEFAULT_LIST_LIMIT})`)
    ),
    all: Options.boolean("all").pipe(Options.withDescription("every matching session, however many (overrides --limit)")),
    vault: vaultOption,
    json: jsonOption
  },
  (o) =>
    Effect.gen(function* () {
      const lifecycle = yield* SessionLifecycle
      const out = yield* Output
      // One row more than shown tells whether the list was cut, without counting them all.
      const rows = yield* lifecycle.list({
        status: Option.getOrUndefined(o.status),
        agent: Option.getOrUndefined(o.agent),
        limit: o.all ? undefined : o.limit + 1
      })
      const sessions = (o.all ? rows : rows.slice(0, o.limit)).map(sessionToJson)
      if (o.json) yield* out.json(sessions)
      else yield* Effect.forEach(renderSessionList(sessions), out.line, { discard: true })
      if (rows.length > sessions.length) yield* out.error(listCutNote(sessions.length))
    }).pipe(Effect.provide(sessionLayer(o.vault)))
).pipe(Command.withDescription("list sessions, newest first"))

/** A stored event as lean/Documents.ts builds its document from. */
const eventFields = (e: StoredEvent) => ({
  seq: e.seq,
  kind: e.kind,
  at: DateTime.toEpochMillis(e.at),
  receivedAt: DateTime.toEpochMillis(e.receivedAt),
  late: e.late,
  idempotencyId: e.idempotencyId,
  payload: e.payload
})

/** The vault's events, read from its database (a WAL reader never blocks the supervisor). */
const eventsOf = (id: SessionId) =>
  Effect.flatMap(EventStore, (store) => store.list(id, {})).pipe(
    Effect.provide(layerEventStore),
    Effect.provide(databaseLayer(true))
  )

const show = Command.make(
  "show",
  {
    id: sessionIdArg,
    noEvents: Options.boolean("no-events").pipe(Options.withDescription("leave the session's events and history out")),
    vault: vaultOption,
    json: jsonOption
  },
  (o) =>
    Effect.gen(function* () {
      const lifecycle = yield* SessionLifecycle
      const out = yield* Output
      const session = yield* lifecycle.get(o.id)
      if (o.noEvents) return yield* printSession(session, o.json)
      const history = (yield* lifecycle.history(o.id)).map(transitionToJson)
      const events = eventsInEmittedOrder((yield* eventsOf(o.id)).map(eventFields))
      const document = sessionToJson(session)
      if (o.json) return yield* out.json(sessionShowJson(document, history, events))
      for (const line of renderSessionShow(document, history, events)) yield* out.line(line)
    }).pipe(Effect.provide(sessionLayer(o.vault)))
).pipe(Command.withDescription("show one session, with its history and its events in the order they happened"))

const history = Command.make("history", { id: sessionIdArg, vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const lifecycle = yield* SessionLifecycle
    const out = yield* Output
    const rows = (yield* lifecycle.history(o.id)).map(transitionToJson)
    if (o.json) yield* out.json(rows)
    else yield* Effect.forEach(renderHistory(rows), out.line, { discard: true })
  }).pipe(Effect.provide(sessionLayer(o.vault)))
).pipe(Command.withDescription("show a session's transition history (its lineage of states)"))

const transitionCommand = (command: TransitionCommand, description: string) =>
  Command.make(
    command,
    {
      id: sessionIdArg,
      reason: Options.text("reason").pipe(Options.optional, Options.withDescription("why, recorded in the history")),
      ifVersion: Options.integer("if-version").pipe(
        Options.optional,
        Options.withDescription("only if the session is still at this version (fails as a lost race otherwise)")
      ),
      vault: vaultOption,
      json: jsonOption
    },
    (o) =>
      Effect.gen(function* () {
        const lifecycle = yield* SessionLifecycle
        const { session } = yield* lifecycle.transition(o.id, command, {
          reason: Option.getOrUndefined(o.reason),
          expectedVersion: Option.getOrUndefined(o.ifVersion)
        })
        const out = yield* Output
        if (o.json) yield* out.json(sessionToJson(session))
        else yield* out.line(`${session.id}: ${session.status} (version ${session.version})`)
      }).pipe(Effect.provide(sessionLayer(o.vault)))
  ).pipe(Command.withDescription(description))

const watch = Command.make(
  "watch",
  { id: sessionIdArg.pipe(Args.optional), vault: vaultOption, json: jsonOption },
  (o) =>
    Effect.gen(function* () {
      const out = yield* Output
      const signals = yield* Signals
      const client = yield* supervisorClient
      const stream = yield* client.watch(new Watch({ sessionId: Option.getOrUndefined(o.id) }))
      yield* out.error(`watching ${Option.getOrElse(o.id, () => "every session")} (interrupt to stop)`)
      const items = Stream.runForEach(stream, (item) =>
        o.json ? out.line(JSON.stringify(encodeWatchItem(item))) : out.line(renderWatchItem(item))
      )
      // Until interrupted: SIGINT or SIGTERM ends the watch quietly.
      yield* Effect.raceFirst(items, signals.graceful)
    }).pipe(
      Effect.catchTag("SupervisorUnavailable", (e) =>
        Effect.flatMap(Output, (out) =>
          Effect.zipRight(out.error(`myco: ${e.message} (start it with \`myco run\`)`), out.exitWith(ExitCode.unavailable))
        )
      ),
      Effect.scoped,
      Effect.provide(vaultLayer(o.vault))
    )
).pipe(Command.withDescription("print transitions and committed events live, of one session or all, until interrupted"))

const encodeWatchItem = Schema.encodeSync(WatchItem)

/** `myco session`. */
export const sessionCommand = Command.make("session").pipe(
  Command.withDescription("create, inspect and move sessions: active -> completed -> processed -> archived"),
  Command.withSubcommands([
    create,
    list,
    show,
    history,
    transitionCommand("complete", "active -> completed: the agent's work is done"),
    transitionCommand("process", "completed -> processed: intelligence has run"),
    transitionCommand("reopen", "completed or processed -> active: the work resumes"),
    transitionCommand("archive", "processed -> archived"),
    transitionCommand("restore", "archived -> processed"),
    watch
  ])
)
