/**
 * The supervisor's Unix-socket server: newline-delimited JSON frames (see protocol/Protocol.ts).
 *
 * Every frame is bounded: a line longer than the limit is discarded up to its newline and answered
 * with FrameTooLarge; a line nesting deeper than `maxFrameDepth` is answered with FrameTooDeep
 * before it is decoded (decoding and error formatting recurse); a line that is not JSON, or not a
 * request, is answered with BadFrame. None of these closes the connection or touches any other.
 * Requests of one connection run concurrently (replies carry the request's id); past
 * `maxInFlight` unanswered requests, or while the client does not read its replies, the connection
 * stops being read, so a client that floods gets backpressure instead of growing the server's
 * memory. Memory is bounded across clients too: at most `maxConnections` connections (another is
 * answered Overloaded and closed), and at most `maxBufferedBytes` held across every connection's
 * unfinished frame and requests in flight (the connection that would pass it is answered
 * Overloaded and closed, never the others).
 */
import * as fs from "node:fs"
import * as net from "node:net"
import { Cause, Effect, Fiber, Option, ParseResult, Runtime, Schema, type Scope, Stream } from "effect"
import {
  BadFrame,
  type CallTag,
  FrameTooDeep,
  Overloaded,
  type ErrorOf,
  FrameError,
  FrameTooLarge,
  type PayloadOf,
  RequestFrame,
  Requests,
  ShuttingDown,
  type SuccessOf,
  type Watch,
  type WatchItem,
  WireError
} from "./Protocol.js"
import { SystemError } from "../domain/Failure.js"
import { boundedText, parseJsonBounded } from "../lean/Json.js"

/** One handler per request answered once, typed by the protocol's table. */
export type Handlers<R> = {
  readonly [K in CallTag]: (request: PayloadOf<K>) => Effect.Effect<SuccessOf<K>, ErrorOf<K> | FrameError, R>
}

/** What the server runs for each request; it encodes each answer with its request's schemas. */
export interface RequestHandler<R> {
  readonly calls: Handlers<R>
  /**
   * Subscribes for a Watch and returns its items. The subscription is made before the client is
   * told `{"ok": {"watching": true}}`, so nothing after that reply is missed. The stream ends when
   * the client goes away.
   */
  readonly watch: (request: Watch) => Effect.Effect<Stream.Stream<WatchItem, FrameError, R>, FrameError, R | Scope.Scope>
}

/** The encoders of each request's answer and errors, made once. */
const encoders = new Map<string, { readonly ok: (u: unknown) => unknown; readonly error: (u: unknown) => unknown }>()
const encodersOf = (tag: CallTag) => {
  const known = encoders.get(tag)
  if (known !== undefined) return known
  const spec = Requests[tag]
  const schemaEncode = Schema.encodeUnknownSync(Schema.asSchema(spec.success))
  const fast: ((u: never) => unknown) | undefined = "encode" in spec ? spec.encode : undefined
  const made = {
    ok: fast === undefined ? schemaEncode : (u: unknown) => (fast as (u: unknown) => unknown)(u),
    error: Schema.encodeUnknownSync(Schema.Union(Schema.asSchema(spec.error), FrameError))
  }
  encoders.set(tag, made)
  return made
}

/** Runs the handler of `request`'s tag (the mapped type correlates the two). */
const runHandler = <K extends CallTag, R>(handlers: Handlers<R>, tag: K, request: PayloadOf<K>) => handlers[tag](request)

const encodeWatchItem = Schema.encodeSync(Schema.asSchema(Requests.Watch.success))

/** Server settings. */
export interface ServerOptions {
  readonly path: string
  readonly maxFrameBytes: number
  readonly maxFrameDepth: number
  readonly maxInFlight: number
  readonly maxConnections: number
  readonly maxBufferedBytes: number
}

/** How much of its replies a client may leave unread before its connection stops being read. */
const MAX_UNREAD_REPLY_BYTES = 64 * 1024
/** Longest reason a BadFrame carries (a decode error's text is cut to it). */
const MAX_REASON_CHARS = 2000

/** A running server. */
export interface SocketServer {
  /** Connections open now. */
  readonly connections: Effect.Effect<number>
  /** Stops accepting connections; open ones are served until `drain`. */
  readonly stopAccepting: Effect.Effect<void>
  /** Waits until no request is in flight (replies written), then closes every connection. */
  readonly drain: Effect.Effect<void>
}

const NEWLINE = 0x0a
const encodeError = Schema.encodeUnknownSync(WireError)
const decodeFrame = Schema.decodeUnknownEither(RequestFrame)

/** The id of a frame that failed to decode, when it has a usable one. */
const idOf = (u: unknown): number | null =>
  typeof u === "object" && u !== null && "id" in u && Number.isSafeInteger(u.id) && typeof u.id === "number" ? u.id : null

/** Serves `handler` on a Unix socket at `options.path` until the scope closes. */
export const serve = <R>(
  options: ServerOptions,
  handler: RequestHandler<R>
): Effect.Effect<SocketServer, SystemError, R | Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<R>()
    const runFork = Runtime.runFork(runtime)
    const sockets = new Set<net.Socket>()
    let inFlightTotal = 0
    let accepting = true
    const idleWaiters: Array<() => void> = []
    const settle = () => {
      if (inFlightTotal === 0) for (const w of idleWaiters.splice(0)) w()
    }

    /** Bytes held across every connection: unfinished frames and the lines of requests in flight. */
    let bufferedTotal = 0

    const onConnection = (socket: net.Socket) => {
      if (!accepting) {
        socket.end(`${JSON.stringify({ id: null, error: encodeError(new ShuttingDown()) })}\n`)
        return
      }
      if (sockets.size >= options.maxConnections) {
        socket.end(`${JSON.stringify({ id: null, error: encodeError(new Overloaded({ reason: `${options.maxConnections} connections open (daemon.max_connections)` })) })}\n`)
        return
      }
      sockets.add(socket)
      const fibers = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
      let pending: Array<Buffer> = []
      let pendingBytes = 0
      let inFlightBytes = 0
      let discarding = false
      let inFlight = 0
      let closed = false
      let writeBlocked = false

      /** Bytes received but not yet looked at, kept while the connection is paused. */
      let backlog: Buffer | undefined
      const paused = () => writeBlocked || inFlight >= options.maxInFlight
      const resumeIfFree = () => {
        if (closed || paused()) return
        if (backlog !== undefined) {
          const held = backlog
          backlog = undefined
          bufferedTotal -= held.length
          consume(held)
          if (closed || paused()) return
        }
        socket.resume()
      }
      const write = (frame: unknown): boolean => {
        if (closed) return true
        const flushed = socket.write(`${JSON.stringify(frame)}\n`)
        if (!flushed && socket.writableLength > MAX_UNREAD_REPLY_BYTES && !writeBlocked) {
          // The client does not read its replies: stop reading its requests until it does.
          writeBlocked = true
          socket.pause()
          socket.once("drain", () => {
            writeBlocked = false
            resumeIfFree()
          })
        }
        return flushed
      }
      /** Refuses this connection at a server-wide limit: says why, and closes it alone. */
      const refuse = (reason: string) => {
        write({ id: null, error: encodeError(new Overloaded({ reason })) })
        release()
        closed = true
        socket.end()
        socket.destroySoon()
      }
      /** Gives back what this connection holds of the server-wide byte budget. */
      const release = () => {
        bufferedTotal -= pendingBytes + inFlightBytes + (backlog?.length ?? 0)
        backlog = undefined
        pending = []
        pendingBytes = 0
        inFlightBytes = 0
      }
      const track = (fiber: Fiber.RuntimeFiber<unknown, unknown>) => {
        fibers.add(fiber)
        fiber.addObserver(() => fibers.delete(fiber))
      }
      const started = (bytes: number) => {
        inFlight++
        inFlightTotal++
        inFlightBytes += bytes
        if (inFlight >= options.maxInFlight) socket.pause()
      }
      const finished = (bytes: number) => {
        inFlight--
        inFlightTotal--
        if (!closed) {
          inFlightBytes -= bytes
          bufferedTotal -= bytes
        }
        resumeIfFree()
        settle()
      }

      const dispatch = (line: Buffer) => {
        const parsed = parseJsonBounded(line.toString("utf8"), { maxDepth: options.maxFrameDepth })
        if (!parsed.ok) {
          write({
            id: null,
            error: encodeError(parsed.reason === "too-deep" ? new FrameTooDeep({ limit: options.maxFrameDepth }) : new BadFrame({ reason: `not JSON: ${parsed.message}` }))
          })
          return
        }
        const json = parsed.value
        const frame = decodeFrame(json, { errors: "first" })
        if (frame._tag === "Left") {
          const reason = boundedText(ParseResult.TreeFormatter.formatErrorSync(frame.left).split("\n").slice(0, 6).join("\n"), MAX_REASON_CHARS)
          write({ id: idOf(json), error: encodeError(new BadFrame({ reason })) })
          return
        }
        const { id, request } = frame.right
        if (!accepting) {
          // Stopping: what is in flight is finished, nothing new is started.
          write({ id, error: encodeError(new ShuttingDown()) })
          return
        }
        if (request._tag === "Watch") {
          const watching = Effect.scoped(
            Effect.gen(function* () {
              const items = yield* handler.watch(request)
              write({ id, ok: { watching: true } })
              yield* Stream.runForEach(items, (decoded) =>
                Effect.async<void>((resume) => {
                  if (write({ id, item: encodeWatchItem(decoded) })) resume(Effect.void)
                  else socket.once("drain", () => resume(Effect.void))
                })
              )
            })
          ).pipe(Effect.catchAll((error) => Effect.sync(() => write({ id, error: encodeError(error) }))))
          track(runFork(watching))
          return
        }
        if (bufferedTotal + line.length > options.maxBufferedBytes) {
          write({ id, error: encodeError(new Overloaded({ reason: `requests in flight hold ${bufferedTotal} bytes (daemon.max_buffered_bytes)` })) })
          return
        }
        bufferedTotal += line.length
        started(line.length)
        const encode = encodersOf(request._tag)
        const fiber = runFork(
          runHandler(handler.calls, request._tag, request).pipe(
            Effect.matchCauseEffect({
              onSuccess: (ok) => Effect.sync(() => write({ id, ok: encode.ok(ok) })),
              onFailure: (cause) =>
                Effect.sync(() => {
                  const failure = Cause.failureOption(cause)
                  if (Option.isSome(failure)) {
                    write({ id, error: encode.error(failure.value) })
                  } else if (!Cause.isInterruptedOnly(cause)) {
                    write({
                      id,
                      error: encodeError(
                        new SystemError({ operation: `request.${request._tag}`, message: Cause.pretty(cause).split("\n")[0] ?? "defect" })
                      )
                    })
                  }
                })
            }),
            Effect.ensuring(Effect.sync(() => finished(line.length)))
          )
        )
        track(fiber)
      }

      /**
       * Handles the complete lines of `chunk` and keeps its unfinished end; once the connection is
       * paused (too many requests in flight, or replies unread), the rest of the chunk waits, as
       * received, until it is resumed: a client's replies never pile up faster than it reads them.
       */
      function consume(chunk: Buffer): void {
        let start = 0
        for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
          if (paused()) {
            backlog = Buffer.from(chunk.subarray(start))
            bufferedTotal += backlog.length
            return
          }
          const piece = chunk.subarray(start, i)
          start = i + 1
          if (discarding) {
            discarding = false
            continue
          }
          const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece])
          bufferedTotal -= pendingBytes
          pending = []
          pendingBytes = 0
          if (line.length > options.maxFrameBytes) {
            write({ id: null, error: encodeError(new FrameTooLarge({ limit: options.maxFrameBytes })) })
          } else if (line.length > 0) {
            dispatch(line)
          }
        }
        if (start < chunk.length && !discarding) {
          const rest = chunk.subarray(start)
          if (pendingBytes + rest.length > options.maxFrameBytes) {
            // Too long already: drop it up to its newline, and say so once.
            bufferedTotal -= pendingBytes
            pending = []
            pendingBytes = 0
            discarding = true
            write({ id: null, error: encodeError(new FrameTooLarge({ limit: options.maxFrameBytes })) })
          } else if (bufferedTotal + rest.length > options.maxBufferedBytes) {
            refuse(`unfinished frames hold ${bufferedTotal} bytes (daemon.max_buffered_bytes)`)
          } else {
            pending.push(Buffer.from(rest))
            pendingBytes += rest.length
            bufferedTotal += rest.length
          }
        }
      }
      socket.on("data", (chunk: Buffer) => {
        if (closed) return
        if (backlog !== undefined) {
          // Arrived while pausing: it goes behind what waits.
          bufferedTotal += chunk.length
          backlog = Buffer.concat([backlog, chunk])
          return
        }
        consume(chunk)
      })
      socket.on("error", () => {
        // A peer that vanishes (EPIPE, ECONNRESET) only ends its own connection: "close" follows.
      })
      socket.on("close", () => {
        if (!closed) release()
        closed = true
        sockets.delete(socket)
        for (const fiber of fibers) runFork(Fiber.interrupt(fiber))
      })
    }

    const server = net.createServer({ pauseOnConnect: false, allowHalfOpen: false }, onConnection)
    yield* Effect.async<void, SystemError>((resume) => {
      const onError = (cause: Error) =>
        resume(Effect.fail(new SystemError({ operation: "socket.listen", message: cause.message, resource: options.path })))
      server.once("error", onError)
      server.listen(options.path, () => {
        server.off("error", onError)
        resume(Effect.void)
      })
    })
    yield* Effect.try({
      try: () => fs.chmodSync(options.path, 0o600),
      catch: (cause) => new SystemError({ operation: "socket.chmod", message: String(cause), resource: options.path })
    })
    server.on("error", (cause) => runFork(Effect.logError(`socket server: ${cause.message}`)))

    const stopAccepting = Effect.sync(() => {
      accepting = false
      server.close()
    })
    const drain = Effect.async<void>((resume) => {
      const done = () => {
        for (const socket of sockets) socket.destroy()
        resume(Effect.void)
      }
      if (inFlightTotal === 0) done()
      else idleWaiters.push(done)
    })
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        accepting = false
        server.close()
        for (const socket of sockets) socket.destroy()
        fs.rmSync(options.path, { force: true })
      })
    )
    return { connections: Effect.sync(() => sockets.size), stopAccepting, drain }
  })
