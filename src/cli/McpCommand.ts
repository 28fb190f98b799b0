/**
 * `myco mcp --run <id> [--vault DIR]`: the tool gateway of one run as an MCP server over stdio
 * (harness/Mcp.ts), for the harnesses that run outside the supervisor. The run's token comes from
 * the MYCO_RUN_TOKEN environment variable, never from the command line (any user can read a
 * process's argv); the supervisor issued it for this run and revokes it when the run ends.
 *
 * stdout carries only MCP messages; what goes wrong before serving (no token, no supervisor, a
 * revoked token) is said on stderr with an exit code, and once serving, every failed call is a
 * tool result with `isError` that the harness can read.
 */
import { Command, Options } from "@effect/cli"
import * as NodeSink from "@effect/platform-node/NodeSink"
import * as NodeStream from "@effect/platform-node/NodeStream"
import { Effect, Either } from "effect"
import { RUN_TOKEN_ENV, serveRunTools, socketRunTools } from "../harness/Mcp.js"
import { readDaemonInfo } from "../vault/RunFiles.js"
import { VaultContext } from "../vault/VaultContext.js"
import { vaultLayer, vaultOption } from "./Common.js"
import { ExitCode } from "./ExitCodes.js"
import { Output } from "./Output.js"
import { VERSION } from "./Version.js"

/** How long one request waits for the supervisor to answer the connection. */
const CONNECT_TIMEOUT_MS = 5000

const fail = (code: number, ...lines: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const out = yield* Output
    for (const line of lines) yield* out.error(line)
    yield* out.exitWith(code)
  })

/** `myco mcp`. */
export const mcpCommand = Command.make(
  "mcp",
  {
    run: Options.text("run").pipe(Options.withDescription("the run whose tools to serve (the supervisor gives its id and token to the harness)")),
    vault: vaultOption
  },
  (o) =>
    Effect.gen(function* () {
      const token = process.env[RUN_TOKEN_ENV] ?? ""
      if (token === "") {
        return yield* fail(ExitCode.usage, `myco: no run token: ${RUN_TOKEN_ENV} is not set`, "  hint: `myco mcp` is started by the supervisor for a run, with the run's token in its environment")
      }
      const { paths } = yield* VaultContext
      const info = readDaemonInfo(paths)
      if (info === undefined) {
        return yield* fail(ExitCode.unavailable, `myco: the supervisor of ${paths.dir} is not running: run ${o.run} has no gateway`, "  hint: start it with `myco run`")
      }
      const client = socketRunTools({ socketPath: info.socket, runId: o.run, token, timeoutMs: CONNECT_TIMEOUT_MS })
      const listed = yield* Effect.either(client.list)
      if (Either.isLeft(listed)) {
        if (listed.left._tag !== "RunTokenInvalid") return yield* Effect.fail(listed.left)
        return yield* fail(ExitCode.noPerm, `myco: ${listed.left.message}`, "  hint: the token is issued for one run and revoked when it ends; only the supervisor starts `myco mcp`")
      }
      const tools = listed.right
      // The token stays out of everything this process starts or prints.
      delete process.env[RUN_TOKEN_ENV]
      // stdout is not ended when the session ends: the process's own last words may follow.
      const stdout = NodeSink.fromWritable(() => process.stdout, (cause) => cause, { endOnDone: false })
      yield* serveRunTools({ name: "myco", version: VERSION, client, tools, stdin: NodeStream.stdin, stdout })
    }).pipe(Effect.provide(vaultLayer(o.vault)))
).pipe(Command.withDescription("serve one run's gateway tools as an MCP server over stdio (the token in MYCO_RUN_TOKEN)"))
