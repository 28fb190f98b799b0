/**
 * The tool gateway as an MCP server over stdio (`myco mcp --run <id>`), for the harnesses that
 * run outside the supervisor (claude-code, process). It holds no tool of its own: it lists the
 * run's tools as the supervisor describes them (ToolList) and forwards every call to the
 * supervisor (ToolCall) over the vault's socket, with the run's token, so that what a harness may
 * touch is decided by the gateway's code in the supervisor, never here and never by the harness.
 *
 * A call the gateway refuses or that fails comes back as a tool result with `isError` and the
 * reason in words, which the model can read and act on; so does a call of a tool this server did
 * not list (it is forwarded too, and refused there, so that the refusal is recorded on the run),
 * a revoked token (the run has ended) and a supervisor that is gone. Only a malformed MCP message
 * is a protocol error.
 *
 * Built on @effect/ai's McpServer (JSON-RPC over newline-delimited stdio).
 */
import * as McpSchema from "@effect/ai/McpSchema"
import * as McpServer from "@effect/ai/McpServer"
import * as RpcSerialization from "@effect/rpc/RpcSerialization"
import * as RpcServer from "@effect/rpc/RpcServer"
import { Deferred, Effect, Fiber, Layer, type Sink, Stream } from "effect"
import { connect } from "../protocol/Client.js"
import {
  type FrameError,
  type RunTokenInvalid,
  ToolCall,
  type ToolFailed,
  type ToolInfo,
  ToolList,
  type ToolRefused,
  type TransportError
} from "../protocol/Protocol.js"

/** The environment variable that carries the run's token (never the command line: argv is public). */
export const RUN_TOKEN_ENV = "MYCO_RUN_TOKEN"

/** How one run reaches its gateway in the supervisor. */
export interface RunToolsClient {
  readonly list: Effect.Effect<ReadonlyArray<ToolInfo>, RunTokenInvalid | FrameError | TransportError>
  readonly call: (tool: string, args: unknown) => Effect.Effect<unknown, ToolRefused | ToolFailed | RunTokenInvalid | FrameError | TransportError>
}

/**
 * The run's gateway through the supervisor's socket at `socketPath`. Each request has its own
 * short connection, so that a supervisor restarted between two calls is found again.
 */
export const socketRunTools = (options: {
  readonly socketPath: string
  readonly runId: string
  readonly token: string
  readonly timeoutMs: number
}): RunToolsClient => {
  const withClient = <A, E>(f: (client: Effect.Effect.Success<ReturnType<typeof connect>>) => Effect.Effect<A, E>) =>
    Effect.scoped(Effect.flatMap(connect(options.socketPath, { client: "myco-mcp", timeoutMs: options.timeoutMs }), f))
  return {
    list: withClient((client) => client.call(new ToolList({ runId: options.runId, token: options.token }))),
    call: (tool, args) => withClient((client) => client.call(new ToolCall({ runId: options.runId, token: options.token, tool, args })))
  }
}

/** The longest text a tool result carries to the harness (the supervisor bounds outputs too). */
const MAX_RESULT_CHARS = 4 * 1024 * 1024

const text = (value: string): McpSchema.CallToolResult["content"][number] => ({ type: "text", text: value.slice(0, MAX_RESULT_CHARS) })

/** The error of a call, as words a model can act on. */
const explain = (error: ToolRefused | ToolFailed | RunTokenInvalid | FrameError | TransportError): string => {
  switch (error._tag) {
    case "ToolRefused":
      return `myco refused the call of ${error.tool}: ${error.reason}`
    case "ToolFailed":
      return `${error.tool} failed: ${error.message}`
    case "RunTokenInvalid":
      return `myco: this run is over (its token is revoked): no tool can be called any more`
    default:
      return `myco: ${error.message}`
  }
}

/** One forwarded call, answered as a tool result (an error result when it did not succeed). */
const forward = (client: RunToolsClient, tool: string, args: unknown): Effect.Effect<McpSchema.CallToolResult> =>
  client.call(tool, args).pipe(
    Effect.map((output) => new McpSchema.CallToolResult({ content: [text(JSON.stringify(output ?? null))] })),
    Effect.catchAll((error) => Effect.succeed(new McpSchema.CallToolResult({ content: [text(explain(error))], isError: true })))
  )

/**
 * The McpServer service, with one change: a call of a tool it does not list is forwarded to the
 * supervisor (which refuses and records it) instead of being a protocol error the model cannot see.
 */
const forwardingServer = (client: RunToolsClient): Layer.Layer<McpServer.McpServer> =>
  Layer.scoped(
    McpServer.McpServer,
    Effect.map(McpServer.McpServer.make, (server) =>
      McpServer.McpServer.of({
        notifications: server.notifications,
        notificationsMailbox: server.notificationsMailbox,
        initializedClients: server.initializedClients,
        get tools() {
          return server.tools
        },
        addTool: server.addTool,
        callTool: (request) =>
          server.tools.some((t) => t.name === request.name) ? server.callTool(request) : forward(client, request.name, request.arguments),
        get resources() {
          return server.resources
        },
        addResource: server.addResource,
        get resourceTemplates() {
          return server.resourceTemplates
        },
        addResourceTemplate: server.addResourceTemplate,
        findResource: server.findResource,
        get prompts() {
          return server.prompts
        },
        addPrompt: server.addPrompt,
        getPromptResult: server.getPromptResult,
        completion: server.completion
      })
    )
  )

/** What the server serves, and on what. */
interface ServeOptions<EIn, EOut> {
  readonly name: string
  readonly version: string
  readonly client: RunToolsClient
  readonly tools: ReadonlyArray<ToolInfo>
  readonly stdin: Stream.Stream<Uint8Array, EIn>
  readonly stdout: Sink.Sink<unknown, Uint8Array | string, unknown, EOut>
}

/**
 * Serves the run's tools on `stdin`/`stdout` until the client closes stdin (then the answers in
 * flight are not waited for: the client has gone). `tools` is what
 * ToolList answered when the server started; they are registered before the first message is
 * read, so that `initialize` already announces them.
 */
export const serveRunTools = <EIn, EOut>(options: ServeOptions<EIn, EOut>): Effect.Effect<void> =>
  Effect.flatMap(Deferred.make<void>(), (ended) =>
    Effect.raceFirst(Deferred.await(ended), serve({ ...options, stdin: options.stdin.pipe(Stream.ensuring(Deferred.succeed(ended, undefined))) }))
  )

const serve = <EIn, EOut>(options: ServeOptions<EIn, EOut>): Effect.Effect<void> =>
  Effect.gen(function* () {
    const server = yield* McpServer.McpServer
    for (const tool of options.tools) {
      yield* server.addTool({
        tool: new McpSchema.Tool({
          name: tool.name,
          description: tool.description,
          inputSchema: tool.inputSchema,
          annotations: new McpSchema.ToolAnnotations({ readOnlyHint: !tool.writes, destructiveHint: false, openWorldHint: false })
        }),
        handle: (args: unknown) => forward(options.client, tool.name, args)
      })
    }
    return yield* McpServer.run({ name: options.name, version: options.version })
  }).pipe(
    Effect.provide(
      Layer.merge(
        forwardingServer(options.client),
        RpcServer.layerProtocolStdio({ stdin: options.stdin, stdout: options.stdout }).pipe(Layer.provide(RpcSerialization.layerNdJsonRpc()))
      )
    ),
    // The stdio protocol may end the fiber that serves it (an interruption) once stdin has
    // ended: for the caller, that is the end of the session, not a failure.
    Effect.fork,
    Effect.flatMap(Fiber.await),
    Effect.asVoid
  )
