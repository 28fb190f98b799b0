/**
 * The tool gateway, live: one RunGateway per run, made in the run's Scope. Every call goes through
 * the same checks, in code, before the tool runs, and in this order:
 *
 * 1. the run has not ended (the scope is open);
 * 2. the arguments are JSON of at most `MAX_ARGUMENT_BYTES`;
 * 3. the tool exists (GATEWAY_TOOLS) and the manifest's `tools.allow` names it;
 * 4. it does not write, or the manifest is not `read_only`;
 * 5. the arguments decode with the tool's input Schema (no extra keys).
 *
 * A call that fails a check, or that the tool itself refuses (read_file's boundary), fails with
 * ToolRefused and is kept (tool, arguments' size, why) for the run's diagnostics; it never runs.
 * The scheduler makes gateways through `makeGatewayFactory` (the GatewayFactory's shape).
 */
import { Effect, Layer, Option, Ref, type Scope } from "effect"
import type { SessionId } from "../domain/Ids.js"
import { type RefusedCall, type RunGateway, ToolFailed, ToolRefused, type ToolDescription } from "./Gateway.js"
import type { HarnessManifest } from "./Manifest.js"
import type { EventStore } from "../store/EventStore.js"
import type { SessionStore } from "../store/SessionStore.js"
import { VaultContext } from "../vault/VaultContext.js"
import { GatewayFactory } from "./GatewayFactory.js"
import { GATEWAY_TOOLS, GatewaySettings, type GatewaySettingsShape, type GatewayTool, type ToolServices } from "./tools/index.js"

/** The largest arguments a call may carry, in bytes of JSON. */
export const MAX_ARGUMENT_BYTES = 64 * 1024
/** How many refused calls a run keeps (the count goes on; the details of the first ones are kept). */
export const MAX_REFUSALS_KEPT = 100

/** The tools a manifest lets its runs call: allowed, existing, and not writing under `read_only`. */
export const allowedTools = (manifest: HarnessManifest): ReadonlyArray<GatewayTool> =>
  [...GATEWAY_TOOLS.values()].filter((tool) => manifest.tools.allow.includes(tool.name) && !(tool.writes && manifest.tools.read_only))

const describe = (tool: GatewayTool): ToolDescription => ({
  name: tool.name,
  description: tool.description,
  inputSchema: tool.inputJsonSchema,
  writes: tool.writes
})

/** The size of the arguments as JSON, or undefined when they are not JSON. */
const argumentSize = (args: unknown): number | undefined => {
  try {
    const text = JSON.stringify(args)
    return text === undefined ? undefined : Buffer.byteLength(text, "utf8")
  } catch {
    // A cycle or a BigInt: not JSON, refused below.
    return undefined
  }
}

/** Makes the gateway of one run; it refuses every call once `Scope` closes (the run has ended). */
export const makeRunGateway = (
  runId: string,
  manifest: HarnessManifest,
  sessionId: SessionId
): Effect.Effect<RunGateway, never, Scope.Scope | ToolServices> =>
  Effect.gen(function* () {
    const services = yield* Effect.context<ToolServices>()
    const ended = yield* Ref.make(false)
    yield* Effect.addFinalizer(() => Ref.set(ended, true))
    const result = yield* Ref.make<Option.Option<unknown>>(Option.none())
    const refusals = yield* Ref.make<ReadonlyArray<RefusedCall>>([])
    const offered = allowedTools(manifest)

    const refuse = (tool: string, argumentBytes: number, reason: string) =>
      Effect.zipRight(
        Ref.update(refusals, (all) => (all.length >= MAX_REFUSALS_KEPT ? all : [...all, { tool, argumentBytes, reason }])),
        Effect.fail(new ToolRefused({ tool, argumentBytes, reason }))
      )

    const call = (name: string, args: unknown): Effect.Effect<unknown, ToolRefused | ToolFailed> =>
      Effect.gen(function* () {
        const size = argumentSize(args)
        const bytes = size ?? 0
        if (yield* Ref.get(ended)) return yield* refuse(name, bytes, "the run has ended")
        if (size === undefined) return yield* refuse(name, 0, "the arguments are not JSON")
        if (size > MAX_ARGUMENT_BYTES) return yield* refuse(name, bytes, `the arguments are ${size} bytes, over the limit of ${MAX_ARGUMENT_BYTES}`)
        const tool = GATEWAY_TOOLS.get(name)
        if (tool === undefined) return yield* refuse(name, bytes, `no tool is named ${JSON.stringify(name.slice(0, 100))}`)
        if (!manifest.tools.allow.includes(name)) return yield* refuse(name, bytes, `the harness ${manifest.name} does not allow ${name} (tools.allow)`)
        if (tool.writes && manifest.tools.read_only) return yield* refuse(name, bytes, `${name} writes and the harness ${manifest.name} is read-only (tools.read_only)`)
        const decoded = yield* Effect.either(tool.decode(args))
        if (decoded._tag === "Left") return yield* refuse(name, bytes, `invalid arguments: ${decoded.left}`)
        return yield* tool.run(decoded.right, { runId, sessionId, result }).pipe(
          Effect.provide(services),
          Effect.catchTag("ToolRefused", (refused) => refuse(name, bytes, refused.reason))
        )
      })

    return {
      runId,
      tools: offered.map(describe),
      call,
      writtenResult: Effect.map(Ref.get(result), Option.getOrUndefined),
      refused: Ref.get(refusals)
    }
  })

/**
 * The GatewayFactory's shape (`(runId, manifest, sessionId) => Effect<RunGateway, never, Scope>`),
 * with the stores and settings captured: `Layer.effect(GatewayFactory, makeGatewayFactory)`.
 */
export const makeGatewayFactory: Effect.Effect<
  (runId: string, manifest: HarnessManifest, sessionId: SessionId) => Effect.Effect<RunGateway, never, Scope.Scope>,
  never,
  ToolServices
> = Effect.map(Effect.context<ToolServices>(), (services) => (runId, manifest, sessionId) =>
  Effect.provide(makeRunGateway(runId, manifest, sessionId), services)
)

/** The largest project file `read_file` serves (larger ones are cut, and say so). */
export const MAX_TOOL_FILE_BYTES = 256 * 1024

/** The gateway factory of the supervisor and the CLI, on the stores and the gateway's settings. */
export const layerGatewayFactory: Layer.Layer<GatewayFactory, never, ToolServices> = Layer.effect(GatewayFactory, makeGatewayFactory)

/** The gateway factory of the vault in context: its root, its directory, its configured exclusions. */
export const layerVaultGateway: Layer.Layer<GatewayFactory, never, EventStore | SessionStore | VaultContext> = Layer.unwrapEffect(
  Effect.map(VaultContext, ({ paths, config }) =>
    layerGatewayFactory.pipe(
      Layer.provide(layerGatewaySettings({ projectRoot: paths.root, vaultDir: paths.dir, excludePaths: config.capture.exclude_paths, maxFileBytes: MAX_TOOL_FILE_BYTES }))
    )
  )
)

/** The gateway's settings (the project root, the vault, the vault's exclusions, the file size bound). */
export const layerGatewaySettings = (settings: GatewaySettingsShape): Layer.Layer<GatewaySettings> => Layer.succeed(GatewaySettings, settings)

export { ToolFailed, ToolRefused }
