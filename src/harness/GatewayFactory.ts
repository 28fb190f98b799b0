/**
 * Where a run's tool gateway comes from: the scheduler asks the factory for one gateway per run,
 * scoped to the run (revoked when the run's scope closes, whatever its outcome). The layer here is
 * the minimal one: it offers no tools, and refuses every call; the gateway with the tools replaces
 * this layer.
 */
import { Context, Effect, Layer, type Scope } from "effect"
import { type RunGateway, ToolRefused } from "./Gateway.js"
import type { SessionId } from "../domain/Ids.js"
import type { HarnessManifest } from "./Manifest.js"

/** Makes the gateway of one run, for the life of the current scope. */
export class GatewayFactory extends Context.Tag("myco/harness/GatewayFactory")<
  GatewayFactory,
  (runId: string, manifest: HarnessManifest, sessionId: SessionId) => Effect.Effect<RunGateway, never, Scope.Scope>
>() {}

const argumentBytes = (args: unknown): number => Buffer.byteLength(JSON.stringify(args) ?? "", "utf8")

/** A gateway that offers no tools: every call is refused. */
export const noToolsGateway = (runId: string): RunGateway => ({
  runId,
  tools: [],
  call: (tool, args) => Effect.fail(new ToolRefused({ tool, reason: "no tools are available to this run", argumentBytes: argumentBytes(args) })),
  writtenResult: Effect.succeed(undefined)
})

/** The factory of gateways without tools. */
export const layerNoToolsGateway: Layer.Layer<GatewayFactory> = Layer.succeed(GatewayFactory, (runId) => Effect.succeed(noToolsGateway(runId)))
