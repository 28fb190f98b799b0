/**
 * The typed client of the supervisor's socket, derived from the protocol's table of requests: one
 * connection, many requests (each reply is matched to its request by id), each reply decoded with
 * its request's own success and error schemas.
 */
import * as net from "node:net"
import { Deferred, Effect, Either, Option, ParseResult, Queue, Runtime, Schema, type Scope, Stream } from "effect"
import {
  type CallTag,
  type PayloadOf,
  type ErrorOf,
  FrameError,
  Hello,
  type HelloReply,
  PROTOCOL_VERSION,
  ProtocolViolation,
  ReplyFrame,
  Request,
  Requests,
  type SuccessOf,
  SupervisorUnavailable,
  type TransportError,
  type Watch,
  WatchItem
} from "./Protocol.js"

/** How a call of request `K` can fail: its own errors, the frame errors, the transport. */
export type CallError<K extends CallTag> = ErrorOf<K> | FrameError | TransportError

/** A request answered once, of tag `K`. */
type CallRequest<K extends CallTag> = PayloadOf<K> & { readonly _tag: K }

/** A connected client. */
export interface SupervisorClient {
  /** Sends `request` and decodes its answer with the request's own schemas. */
  readonly call: <K extends CallTag>(request: CallRequest<K>) => Effect.Effect<SuccessOf<K>, CallError<K>>
  /** Subscribes (the effect ends once the supervisor confirmed) and gives the live items. */
  readonly watch: (request: Watch) => Effect.Effect<Stream.Stream<WatchItem, FrameError | TransportError>, FrameError | TransportError, Scope.Scope>
}

type Settle = (frame: ReplyFrame) => void

// exact: a frame without "ok" must not read as `ok: undefined` (Unknown accepts undefined).
const decodeReply = Schema.decodeUnknownEither(Schema.parseJson(ReplyFrame), { exact: true })
const encodeRequest = Schema.encodeUnknownSync(Request)
const decodeWatchItem = Schema.decodeUnknownEither(WatchItem)
const decodeFrameError = Schema.decodeUnknownEither(FrameError)

const firstLine = (error: ParseResult.ParseError): string => ParseResult.TreeFormatter.formatErrorSync(error).split("\n")[0] ?? ""

/** The decoders of request `K`'s answer and errors, made once per request tag. */
const decoders = new Map<string, { readonly ok: (u: unknown) => Either.Either<unknown, ParseResult.ParseError>; readonly error: (u: unknown) => Either.Either<unknown, ParseResult.ParseError> }>()
const decodersOf = (tag: CallTag) => {
  const known = decoders.get(tag)
  if (known !== undefined) return known
  const spec = Requests[tag]
  const made = {
    ok: Schema.decodeUnknownEither(Schema.asSchema(spec.success)),
    error: Schema.decodeUnknownEither(Schema.Union(Schema.asSchema(spec.error), FrameError))
  }
  decoders.set(tag, made)
  return made
}

/** Connects to the supervisor at `socketPath` and says hello; the connection closes with the scope. */
export const connect = (
  socketPath: string,
  options: { readonly client: string; readonly timeoutMs: number }
): Effect.Effect<SupervisorClient, TransportError | FrameError, Scope.Scope> =>
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
          failAll(new ProtocolViolation({ reason: firstLine(frame.left) }))
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

    const send = (request: { readonly _tag: string }, settle: Settle): Effect.Effect<number, SupervisorUnavailable | ProtocolViolation> =>
      Effect.suspend(() => {
        if (lost !== undefined) return Effect.fail(lost)
        const id = nextId++
        waiting.set(id, settle)
        socket.write(`${JSON.stringify({ id, request: encodeRequest(request) })}\n`)
        return Effect.succeed(id)
      })

    /** Sends `request`, and gives its reply frame (or the transport's failure). */
    const exchange = (request: { readonly _tag: string }): Effect.Effect<ReplyFrame, TransportError> =>
      Effect.gen(function* () {
        const reply = yield* Deferred.make<ReplyFrame>()
        const id = yield* send(request, (frame) => Runtime.runFork(runtime)(Deferred.succeed(reply, frame)))
        const frame = yield* Deferred.await(reply).pipe(Effect.ensuring(Effect.sync(() => waiting.delete(id))))
        if (lost !== undefined && frame.id === null) return yield* Effect.fail(lost)
        return frame
      })

    const call = <K extends CallTag>(request: CallRequest<K>): Effect.Effect<SuccessOf<K>, CallError<K>> =>
      Effect.flatMap(exchange(request), (frame): Effect.Effect<SuccessOf<K>, CallError<K>> => {
        const decode = decodersOf(request._tag)
        if ("error" in frame) {
          const error = decode.error(frame.error)
          return Either.isRight(error)
            ? Effect.fail(narrowError<K>(error.right))
            : Effect.fail(new ProtocolViolation({ reason: `undecodable error: ${firstLine(error.left)}` }))
        }
        if (!("ok" in frame)) return Effect.fail(new ProtocolViolation({ reason: "a stream item in reply to a call" }))
        const ok = decode.ok(frame.ok)
        return Either.isRight(ok) ? Effect.succeed(narrowSuccess<K>(ok.right)) : Effect.fail(new ProtocolViolation({ reason: firstLine(ok.left) }))
      })

    const watch = (request: Watch): Effect.Effect<Stream.Stream<WatchItem, FrameError | TransportError>, FrameError | TransportError, Scope.Scope> =>
        Effect.gen(function* () {
          const items = yield* Effect.acquireRelease(Queue.unbounded<ReplyFrame>(), Queue.shutdown)
          yield* send(request, (frame) => Runtime.runFork(runtime)(Queue.offer(items, frame)))
          // The first frame says the subscription is in place (or why it is not).
          const first = yield* Queue.take(items)
          if (lost !== undefined && first.id === null) return yield* Effect.fail(lost)
          if ("error" in first) return yield* Effect.fail(frameErrorOf(first.error))
          if (!("ok" in first)) return yield* new ProtocolViolation({ reason: "a watch item before the watch was confirmed" })
          return Stream.fromQueue(items).pipe(
            Stream.mapEffect((frame): Effect.Effect<WatchItem, FrameError | TransportError> => {
              if (lost !== undefined && frame.id === null) return Effect.fail(lost)
              if ("error" in frame) return Effect.fail(frameErrorOf(frame.error))
              if (!("item" in frame)) return Effect.fail(new ProtocolViolation({ reason: "a reply in a watch stream" }))
              const item = decodeWatchItem(frame.item)
              return Either.isRight(item)
                ? Effect.succeed(item.right)
                : Effect.fail(new ProtocolViolation({ reason: "undecodable watch item" }))
            })
          )
        })

    const client: SupervisorClient = { call, watch }
    const hello: typeof HelloReply.Type = yield* client.call(new Hello({ protocol: PROTOCOL_VERSION, client: options.client }))
    yield* Effect.annotateCurrentSpan("supervisor.pid", hello.pid)
    return client
  })

/** Connects if a supervisor answers at `socketPath`; None when none does. */
export const connectIfRunning = (
  socketPath: string,
  options: { readonly client: string; readonly timeoutMs: number }
): Effect.Effect<Option.Option<SupervisorClient>, FrameError | ProtocolViolation, Scope.Scope> =>
  connect(socketPath, options).pipe(
    Effect.map(Option.some),
    Effect.catchTag("SupervisorUnavailable", () => Effect.succeed(Option.none()))
  )

/** A frame error the watch stream carries, or a violation when it is not one. */
const frameErrorOf = (u: unknown): FrameError | ProtocolViolation => {
  const decoded = decodeFrameError(u)
  return Either.isRight(decoded) ? decoded.right : new ProtocolViolation({ reason: "undecodable error in a watch stream" })
}

/**
 * The decoded answer of request `K`: `decodersOf(K)` decoded it with `Requests[K].success`, which
 * TypeScript cannot correlate with `K` through the map of decoders.
 */
const narrowSuccess = <K extends CallTag>(decoded: unknown): SuccessOf<K> => decoded as SuccessOf<K>
/** The decoded error of request `K` (its own errors or a frame error), as `narrowSuccess`. */
const narrowError = <K extends CallTag>(decoded: unknown): ErrorOf<K> | FrameError => decoded as ErrorOf<K> | FrameError
