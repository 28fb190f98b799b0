/**
 * The supervisor's side of the tool gateway, in the test's own process: the protocol server on a
 * real Unix socket in a vault's run/ (with the daemon.json that `myco mcp` reads), answering
 * Hello, ToolCall and ToolList through the daemon's own handlers and a real RunTokens, and a small
 * in-memory RunGateway that enforces an allow-list, so that both the served and the refused paths
 * run for real.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Exit, Schema, Scope } from "effect"
import { toolHandlers } from "../../src/daemon/Router.js"
import { type RunGateway, type ToolDescription, ToolFailed, ToolRefused } from "../../src/harness/Gateway.js"
import { makeRunTokens, type RunTokensService } from "../../src/harness/RunTokens.js"
import { BadFrame, type FrameError, PROTOCOL_VERSION } from "../../src/protocol/Protocol.js"
import { type Handlers, serve } from "../../src/protocol/Server.js"
import { vaultPaths } from "../../src/vault/Vault.js"
import { writeDaemonInfo } from "../../src/vault/RunFiles.js"

/** The tools the in-memory gateway knows. */
export const TOOLS: ReadonlyArray<ToolDescription> = [
  {
    name: "echo",
    description: "Answers with the text it is given.",
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"], additionalProperties: false },
    writes: false
  },
  {
    name: "secret",
    description: "Reads something this run may not see.",
    inputSchema: { type: "object", properties: {}, additionalProperties: false },
    writes: false
  },
  {
    name: "write_result",
    description: "Writes the run's result.",
    inputSchema: { type: "object", properties: { output: {} }, required: ["output"], additionalProperties: false },
    writes: true
  }
]

const EchoInput = Schema.Struct({ text: Schema.String })
const WriteInput = Schema.Struct({ output: Schema.Unknown })

/** An in-memory gateway of one run, with what it was asked. */
export interface MemoryGateway extends RunGateway {
  readonly served: Array<{ readonly tool: string; readonly args: unknown }>
  /** The calls it refused, as recorded (the port's `refused` reads the same list). */
  readonly refusals: Array<{ readonly tool: string; readonly reason: string; readonly argumentBytes: number }>
}

/** A gateway that offers the tools of `allow` (in TOOLS) and refuses every other call, in code. */
export const memoryGateway = (runId: string, allow: ReadonlyArray<string>): MemoryGateway => {
  const served: Array<{ tool: string; args: unknown }> = []
  const refused: Array<{ tool: string; reason: string; argumentBytes: number }> = []
  let written: unknown = undefined
  const refuse = (tool: string, reason: string, args: unknown) => {
    const argumentBytes = Buffer.byteLength(JSON.stringify(args ?? null), "utf8")
    refused.push({ tool, reason, argumentBytes })
    return Effect.fail(new ToolRefused({ tool, reason, argumentBytes }))
  }
  return {
    runId,
    tools: TOOLS.filter((t) => allow.includes(t.name)),
    served,
    refusals: refused,
    refused: Effect.sync(() => [...refused]),
    writtenResult: Effect.sync(() => written),
    call: (tool, args) =>
      Effect.suspend((): Effect.Effect<unknown, ToolRefused | ToolFailed> => {
        if (!allow.includes(tool)) return refuse(tool, `${tool} is not in this harness's tools.allow`, args)
        served.push({ tool, args })
        if (tool === "echo") {
          return Schema.decodeUnknown(EchoInput)(args).pipe(
            Effect.map((input) => ({ echo: input.text })),
            Effect.catchTag("ParseError", () => refuse(tool, "its arguments do not match its input schema", args))
          )
        }
        if (tool === "write_result") {
          return Schema.decodeUnknown(WriteInput)(args).pipe(
            Effect.map((input) => {
              written = input.output
              return { written: true }
            }),
            Effect.catchTag("ParseError", () => refuse(tool, "its arguments do not match its input schema", args))
          )
        }
        return Effect.fail(new ToolFailed({ tool, message: "not implemented here" }))
      })
  }
}

/** A tool server in a vault: its tokens, its socket, and how to stop it. */
export interface ToolServer {
  readonly tokens: RunTokensService
  readonly socket: string
  /** Issues a token for a run, as the supervisor does when the run starts; `revoke` ends it. */
  readonly issue: (runId: string, gateway: RunGateway) => Promise<{ readonly token: string; readonly revoke: () => Promise<void> }>
  readonly close: () => Promise<void>
}

const unserved = (): Effect.Effect<never, FrameError> => Effect.fail(new BadFrame({ reason: "not served by the test's tool server" }))

/** Serves the gateway's requests for the vault at `projectDir` (it must have been `myco init`ed). */
export const startToolServer = async (projectDir: string): Promise<ToolServer> => {
  const paths = vaultPaths(path.join(projectDir, ".myco"))
  fs.mkdirSync(paths.run, { recursive: true, mode: 0o700 })
  const socket = path.join(paths.run, "t.sock")
  fs.rmSync(socket, { force: true })
  const scope = await Effect.runPromise(Scope.make())
  const tokens = await Effect.runPromise(makeRunTokens)
  const calls: Handlers<never> = {
    Hello: () => Effect.succeed({ protocol: PROTOCOL_VERSION, version: "test", pid: process.pid }),
    SessionCreate: unserved,
    SessionGet: unserved,
    SessionList: unserved,
    SessionTransition: unserved,
    SessionHistory: unserved,
    Capture: unserved,
    HookEvent: unserved,
    Status: unserved,
    Stop: unserved,
    HarnessList: unserved,
    HarnessTry: unserved,
    ...toolHandlers({ tokens, maxToolOutputBytes: 64 * 1024 })
  }
  await Effect.runPromise(
    Scope.extend(
      serve(
        { path: socket, maxFrameBytes: 1024 * 1024, maxFrameDepth: 64, maxInFlight: 64, maxConnections: 32, maxBufferedBytes: 8 * 1024 * 1024 },
        { calls, watch: () => unserved() }
      ),
      scope
    )
  )
  writeDaemonInfo(paths, { pid: process.pid, version: "test", socket, startedAt: new Date().toISOString(), maxFrameBytes: 1024 * 1024, maxFrameDepth: 64 })
  return {
    tokens,
    socket,
    issue: async (runId, gateway) => {
      const runScope = await Effect.runPromise(Scope.make())
      const token = await Effect.runPromise(Scope.extend(tokens.issue(runId, gateway), runScope))
      return { token, revoke: () => Effect.runPromise(Scope.close(runScope, Exit.void)) }
    },
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
