/**
 * The router: where each request of the protocol's table goes. Reads go to the lifecycle (the
 * database is the source of truth); transitions, captures and hook events go to the session's
 * actor, which serialises them; status is assembled from the tree and the writer; stop and watch
 * are the supervisor's own; tool calls and tool lists go to the gateway of the run whose token
 * they carry (harness/RunTokens.ts), never to any other. A new request is one declaration in protocol/Protocol.ts and one
 * handler here.
 *
 * Every request that writes goes through the write pause (capture/IntakePause.ts): refused at once
 * (TransientError, code DISK_FULL) while the vault's disk is full, and pausing writes when it is
 * the one that finds the disk full. Reads are served either way.
 */
import { Effect, PubSub, Stream } from "effect"
import type { IntakePause } from "../capture/IntakePause.js"
import type { RunTokensService } from "../harness/RunTokens.js"
import {
  MAX_RUN_TOOLS,
  PROTOCOL_VERSION,
  type StatusReply,
  ToolFailed,
  ToolRefused,
  UnsupportedProtocol,
  type Watch
} from "../protocol/Protocol.js"
import type { Handlers, RequestHandler } from "../protocol/Server.js"
import type { SessionLifecycle } from "../session/Lifecycle.js"
import type { Sessions } from "../session/Sessions.js"
import type { WatchHub } from "../session/WatchHub.js"
import type { Harnesses } from "../harness/Registry.js"
import { tryRequest } from "../harness/Try.js"
import { type ConfigError, SystemError, type TransientError } from "../domain/Failure.js"

/** What the router routes to. */
export interface RouterServices {
  readonly version: string
  readonly lifecycle: SessionLifecycle["Type"]
  readonly sessions: Sessions
  readonly hub: WatchHub["Type"]
  readonly intake: IntakePause["Type"]
  readonly status: Effect.Effect<StatusReply, SystemError | ConfigError | TransientError>
  /** The harness registry. */
  readonly harnesses: Harnesses
  /** Asks the supervisor to stop gracefully. */
  readonly stop: Effect.Effect<void>
  /** The live runs' tokens, for the gateway's requests. */
  readonly tokens: RunTokensService
  /** The largest tool output a ToolCall answers with (its JSON, in bytes); a larger one is a ToolFailed. */
  readonly maxToolOutputBytes: number
}

/** The JSON form of a tool's output, or why it cannot be sent (too large, not JSON). */
const toolOutput = (tool: string, output: unknown, maxBytes: number): Effect.Effect<unknown, ToolFailed> => {
  let text: string | undefined
  try {
    text = JSON.stringify(output ?? null)
  } catch (e) {
    return Effect.fail(new ToolFailed({ tool, message: `its output is not JSON: ${e instanceof Error ? e.message : String(e)}` }))
  }
  if (text === undefined) return Effect.succeed(null)
  const bytes = Buffer.byteLength(text, "utf8")
  return bytes > maxBytes
    ? Effect.fail(new ToolFailed({ tool, message: `its output (${bytes} bytes) is over the ${maxBytes}-byte limit of a reply: ask for less (a smaller page)` }))
    : Effect.succeed(output ?? null)
}

/**
 * The gateway's requests: each goes to the gateway of the run whose token it carries, and only
 * while that run is live; its errors are sent in their wire form.
 */
export const toolHandlers = (s: Pick<RouterServices, "tokens" | "maxToolOutputBytes">): Pick<Handlers<never>, "ToolCall" | "ToolList"> => ({
  ToolCall: (request) =>
    Effect.flatMap(s.tokens.lookup(request.runId, request.token), (gateway) =>
      gateway.call(request.tool, request.args).pipe(
        // The gateway's errors, in their wire form (same tags and fields).
        Effect.catchTags({
          ToolRefused: (e) => Effect.fail(new ToolRefused({ tool: e.tool, reason: e.reason, argumentBytes: e.argumentBytes })),
          ToolFailed: (e) => Effect.fail(new ToolFailed({ tool: e.tool, message: e.message }))
        }),
        Effect.flatMap((output) => toolOutput(request.tool, output, s.maxToolOutputBytes))
      )
    ),
  ToolList: (request) =>
    Effect.map(s.tokens.lookup(request.runId, request.token), (gateway) =>
      gateway.tools.slice(0, MAX_RUN_TOOLS).map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema, writes: t.writes }))
    )
})

/** The handlers of every request. */
export const router = (s: RouterServices): RequestHandler<never> => {
  /** A request that writes: refused while writes are paused, and pausing them when it finds the disk full. */
  const writes = <A, E>(operation: string, self: Effect.Effect<A, E>): Effect.Effect<A, E | TransientError> =>
    Effect.zipRight(s.intake.guard(operation), s.intake.watch(self))
  const calls: Handlers<never> = {
    Hello: (request) =>
      request.protocol === PROTOCOL_VERSION
        ? Effect.succeed({ protocol: PROTOCOL_VERSION, version: s.version, pid: process.pid })
        : Effect.fail(new UnsupportedProtocol({ server: PROTOCOL_VERSION, client: request.protocol })),
    SessionCreate: (request) => writes("session.create", s.lifecycle.create(request)),
    SessionGet: (request) => s.lifecycle.get(request.id),
    SessionList: (request) => s.lifecycle.list({ status: request.status, agent: request.agent, limit: request.limit }),
    SessionHistory: (request) => s.lifecycle.history(request.id),
    SessionTransition: (request) =>
      writes("session.transition", s.sessions.transition(request.id, request.command, {
        reason: request.reason,
        actor: request.actor ?? "cli",
        expectedVersion: request.expectedVersion
      }).pipe(
        // A transition that kept killing its session's actor was dead-lettered: a bug in myco.
        Effect.catchTag("AgentError", (e) => Effect.fail(new SystemError({ operation: "session.transition", message: e.message })))
      )),
    Capture: (request) => writes("capture", s.sessions.capture(request.events)),
    HookEvent: (request) => writes("hook", Effect.flatten(s.sessions.submitHook(request))),
    Status: () => s.status,
    HarnessList: () => s.harnesses.list,
    HarnessTry: (request) => s.harnesses.submit(tryRequest(s.harnesses.entries, request)),
    Stop: () => Effect.as(s.stop, { stopping: true }),
    ...toolHandlers(s)
  }
  const watch = (request: Watch) =>
    Effect.map(PubSub.subscribe(s.hub), (subscription) =>
      Stream.fromQueue(subscription).pipe(
        Stream.filter(
          (item) =>
            request.sessionId === undefined ||
            (item._tag === "Transitioned" ? item.record.sessionId === request.sessionId : item.sessionId === request.sessionId)
        )
      )
    )
  return { calls, watch }
}
