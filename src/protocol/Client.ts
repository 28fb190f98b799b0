/**
 * A typed client of the supervisor's socket, for the CLI. One connection, many requests (each
 * reply is matched to its request by id), decoded with the protocol's schemas.
 */
import * as net from "node:net"
import { Data, Deferred, Effect, Either, Option, ParseResult, Queue, Runtime, Schema, type Scope, Stream } from "effect"
import type { AppendOutcome } from "../domain/Event.js"
import {
  type Capture,
  Hello,
  type HelloReply,
  PROTOCOL_VERSION,
  ReplyFrame,
  ReplySchemas,
  Request,
  type SessionCreate,
  type SessionGet,
  type SessionHistory,
  type SessionList,
  type SessionTransition,
  type Status,
  type StatusReply,
  type Stop,
  type Watch,
  WatchItem,
  type WireError
} from "./Protocol.js"
import type { Session, TransitionRecord } from "../domain/Session.js"

/** The supervisor cannot be reached (not running, socket gone, connection lost). */
export class SupervisorUnavailable extends Data.TaggedError("SupervisorUnavailable")<{ readonly reason: string }> {
  override get message(): string {
    return `the supervisor is not reachable: ${this.reason}`
  }
}

/** The supervisor sent something that does not decode. */
export class ProtocolViolation extends Data.TaggedError("ProtocolViolation")<{ readonly reason: string }> {
  override get message(): string {
    return `the supervisor answered with a frame this myco cannot read: ${this.reason}`
  }
}

type Failure = WireError | SupervisorUnavailable | ProtocolViolation

/** A connected client: one method per request of the protocol. */
export interface SupervisorClient {
  readonly hello: (request: Hello) => Effect.Effect<typeof HelloReply.Type, Failure>
  readonly createSession: (request: SessionCreate) => Effect.Effect<Session, Failure>
  readonly getSession: (request: SessionGet) => Effect.Effect<Session, Failure>
  readonly listSessions: (request: SessionList) => Effect.Effect<ReadonlyArray<Session>, Failure>
  readonly transition: (request: SessionTransition) => Effect.Effect<Session, Failure>
  readonly history: (request: SessionHistory) => Effect.Effect<ReadonlyArray<TransitionRecord>, Failure>
  readonly capture: (request: Capture) => Effect.Effect<ReadonlyArray<AppendOutcome>, Failure>
  readonly status: (request: Status) => Effect.Effect<StatusReply, Failure>
  readonly stop: (request: Stop) => Effect.Effect<{ readonly stopping: boolean }, Failure>
  /** Subscribes (the effect ends once the supervisor confirmed) and gives the live items. */
  readonly watch: (request: Watch) => Effect.Effect<Stream.Stream<WatchItem, Failure>, Failure, Scope.Scope>
}

type Settle = (frame: ReplyFrame) => void

// exact: a frame without "ok" must not read as `ok: undefined` (Unknown accepts undefined).
const decodeReply = Schema.decodeUnknownEither(Schema.parseJson(ReplyFrame), { exact: true })
const encodeRequest = Schema.encodeSync(Request)
const decodeWatchItem = Schema.decodeUnknownEither(WatchItem)

/** Connects to the supervisor at `socketPath` and says hello; the connection closes with the scope. */
export const connect = (
  socketPath: string,
  options: { readonly client: string; readonly timeoutMs: number }
): Effect.Effect<SupervisorClient, SupervisorUnavailable | ProtocolViolation | WireError, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const socket = yield* Effect.acquireRelease(
      Effect.async<net.Socket, SupervisorUnavailable>((resume) => {
        const s = net.connect(socketPath)
        const timer = setTimeout(() => {
          s.destroy()
          resume(Effect.fail(new SupervisorUnavailable({ reason: `no answer from ${socketPath} in ${options.timeoutMs} ms` })))
        }, options.timeoutMs)
        s.once("connect", () => {
          clearTimeout(timer)
          resume(Effect.succeed(s))
        })
        s.once("error", (cause) => {
          clearTimeout(timer)
          resume(Effect.fail(new SupervisorUnavailable({ reason: cause.message })))
        })
      }),
      (s) => Effect.sync(() => s.destroy())
    )
    const waiting = new Map<number, Settle>()
    let nextId = 1
    let lost: SupervisorUnavailable | ProtocolViolation | undefined
    const failAll = (error: SupervisorUnavailable | ProtocolViolation) => {
      lost = error
      for (const settle of waiting.values()) settle({ id: null, ok: undefined })
      waiting.clear()
    }
    let buffered = ""
    socket.setEncoding("utf8")
    socket.on("data", (chunk: string) => {
      buffered += chunk
      for (let i = buffered.indexOf("\n"); i !== -1; i = buffered.indexOf("\n")) {
        const line = buffered.slice(0, i)
        buffered = buffered.slice(i + 1)
        const frame = decodeReply(line)
        if (Either.isLeft(frame)) {
          failAll(new ProtocolViolation({ reason: ParseResult.TreeFormatter.formatErrorSync(frame.left).split("\n")[0] ?? "" }))
          socket.destroy()
          return
        }
        const id = frame.right.id
        if (id === null) continue
        waiting.get(id)?.(frame.right)
      }
    })
    socket.on("close", () => failAll(new SupervisorUnavailable({ reason: "connection closed" })))
    socket.on("error", (cause) => failAll(new SupervisorUnavailable({ reason: cause.message })))

    const send = (request: Request, settle: Settle): Effect.Effect<number, SupervisorUnavailable | ProtocolViolation> =>
      Effect.suspend(() => {
        if (lost !== undefined) return Effect.fail(lost)
        const id = nextId++
        waiting.set(id, settle)
        socket.write(`${JSON.stringify({ id, request: encodeRequest(request) })}\n`)
        return Effect.succeed(id)
      })

    const rawCall = (request: Request): Effect.Effect<unknown, Failure> =>
      Effect.gen(function* () {
        const reply = yield* Deferred.make<ReplyFrame>()
        const id = yield* send(request, (frame) => Runtime.runFork(runtime)(Deferred.succeed(reply, frame)))
        const frame = yield* Deferred.await(reply).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(id))))
        if (lost !== undefined && frame.id === null) return yield* Effect.fail(lost)
        if ("error" in frame) return yield* Effect.fail(frame.error)
        if (!("ok" in frame)) return yield* new ProtocolViolation({ reason: "a stream item in reply to a call" })
        return frame.ok
      })
    const typed =
      <Req extends Request, A, I>(schema: Schema.Schema<A, I>) =>
      (request: Req): Effect.Effect<A, Failure> =>
        rawCall(request).pipe(
          Effect.flatMap((ok) =>
            Schema.decodeUnknown(schema)(ok).pipe(
              Effect.mapError(
                (e) => new ProtocolViolation({ reason: ParseResult.TreeFormatter.formatErrorSync(e).split("\n")[0] ?? "" })
              )
            )
          )
        )

    const watch = (request: Watch): Effect.Effect<Stream.Stream<WatchItem, Failure>, Failure, Scope.Scope> =>
        Effect.gen(function* () {
          const items = yield* Effect.acquireRelease(Queue.unbounded<ReplyFrame>(), Queue.shutdown)
          yield* send(request, (frame) => Runtime.runFork(runtime)(Queue.offer(items, frame)))
          // The first frame says the subscription is in place (or why it is not).
          const first = yield* Queue.take(items)
          if (lost !== undefined && first.id === null) return yield* Effect.fail(lost)
          if ("error" in first) return yield* Effect.fail(first.error)
          if (!("ok" in first)) return yield* new ProtocolViolation({ reason: "a watch item before the watch was confirmed" })
          return Stream.fromQueue(items).pipe(
            Stream.mapEffect((frame): Effect.Effect<WatchItem, Failure> => {
              if (lost !== undefined && frame.id === null) return Effect.fail(lost)
              if ("error" in frame) return Effect.fail(frame.error)
              if (!("item" in frame)) return Effect.fail(new ProtocolViolation({ reason: "a reply in a watch stream" }))
              const item = decodeWatchItem(frame.item)
              return Either.isRight(item)
                ? Effect.succeed(item.right)
                : Effect.fail(new ProtocolViolation({ reason: "undecodable watch item" }))
            })
          )
        })

    const client: SupervisorClient = {
      hello: typed(ReplySchemas.Hello),
      createSession: typed(ReplySchemas.SessionCreate),
      getSession: typed(ReplySchemas.SessionGet),
      listSessions: typed(ReplySchemas.SessionList),
      transition: typed(ReplySchemas.SessionTransition),
      history: typed(ReplySchemas.SessionHistory),
      capture: typed(ReplySchemas.Capture),
      status: typed(ReplySchemas.Status),
      stop: typed(ReplySchemas.Stop),
      watch
    }
    const hello = yield* client.hello(new Hello({ protocol: PROTOCOL_VERSION, client: options.client }))
    yield* Effect.annotateCurrentSpan("supervisor.pid", hello.pid)
    return client
  })

/** Connects if a supervisor answers at `socketPath`; None when none does. */
export const connectIfRunning = (
  socketPath: string,
  options: { readonly client: string; readonly timeoutMs: number }
): Effect.Effect<Option.Option<SupervisorClient>, WireError | ProtocolViolation, Scope.Scope> =>
  connect(socketPath, options).pipe(
    Effect.map(Option.some),
    Effect.catchTag("SupervisorUnavailable", () => Effect.succeed(Option.none()))
  )
