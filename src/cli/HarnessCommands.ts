/**
 * `myco harness ...` and `myco runs ...`: the harnesses of the vault (list, show, check, try) and
 * the runs they carried out. What needs the supervisor's live state (circuits, running runs) and
 * `try` go through the running supervisor when there is one; without one, the manifests are read
 * here and `try` runs in this process, recorded in the same `runs` table.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Layer, Option, Schema } from "effect"
import { HarnessInfo } from "../domain/HarnessInfo.js"
import { SessionId } from "../domain/Ids.js"
import { Run, RunStatus } from "../domain/Run.js"
import { ConfigError } from "../domain/Failure.js"
import { layerVaultGateway } from "../harness/GatewayLive.js"
import { layerRunTokens } from "../harness/RunTokens.js"
import { type ManifestEntry, discoverManifests, entryName, manifestError } from "../harness/Manifests.js"
import { HarnessManifest } from "../harness/Manifest.js"
import { makeHarnesses } from "../harness/Registry.js"
import { Runtimes } from "../harness/Runtime.js"
import { layerDefaultRuntimes } from "../harness/runtimes/index.js"
import { tryRequest } from "../harness/Try.js"
import { connectIfRunning, type SupervisorClient } from "../protocol/Client.js"
import { HarnessList, HarnessTry } from "../protocol/Protocol.js"
import { RunStore } from "../store/RunStore.js"
import { layerEventStore } from "../store/sqlite/EventStore.js"
import { layerRunStore } from "../store/sqlite/RunStore.js"
import { layerSessionStore } from "../store/sqlite/SessionStore.js"
import { readDaemonInfo } from "../vault/RunFiles.js"
import { VaultContext } from "../vault/VaultContext.js"
import { databaseLayer, jsonOption, vaultLayer, vaultOption } from "./Common.js"
import { ExitCode } from "./ExitCodes.js"
import { Output, table } from "./Output.js"

const encodeInfos = Schema.encodeSync(Schema.Array(HarnessInfo))
const encodeManifest = Schema.encodeSync(HarnessManifest)
const encodeRun = Schema.encodeSync(Run)

/** The running supervisor, when one answers. */
const supervisor = Effect.gen(function* () {
  const { paths } = yield* VaultContext
  const info = readDaemonInfo(paths)
  if (info === undefined) return Option.none<SupervisorClient>()
  return yield* connectIfRunning(info.socket, { client: "myco-cli", timeoutMs: 2000 }).pipe(Effect.catchAll(() => Effect.succeed(Option.none<SupervisorClient>())))
})

const discover = Effect.map(VaultContext, ({ paths, config }) => discoverManifests(paths.root, config).entries)

/** The harnesses as this process sees them (no supervisor: every circuit closed, nothing running). */
const localInfos = Effect.scoped(
  Effect.gen(function* () {
    const entries = yield* discover
    const { paths, config } = yield* VaultContext
    const registry = yield* makeHarnesses({ entries, config, projectRoot: paths.root, vaultDir: paths.dir, executor: () => Effect.void })
    return yield* registry.list
  })
)

/** The harnesses: live from the supervisor when it runs, else read here. */
const infos = Effect.gen(function* () {
  const client = yield* supervisor
  if (Option.isSome(client)) return { live: true, infos: yield* client.value.call(new HarnessList()) }
  return { live: false, infos: yield* localInfos }
})

/** The layers of a command that reads and writes runs directly. */
const storesLayer = Layer.mergeAll(layerRunStore, layerSessionStore, layerEventStore).pipe(Layer.provide(databaseLayer(true)))
const harnessLayer = (vault: Option.Option<string>) =>
  // In-process (no supervisor): a claude-code run's tools, which go through `myco mcp` to the
  // supervisor, are unavailable; every other runtime is served here as there.
  Layer.mergeAll(layerDefaultRuntimes.pipe(Layer.provide(layerRunTokens)), layerVaultGateway.pipe(Layer.provide(storesLayer))).pipe(
    Layer.provideMerge(storesLayer),
    Layer.provideMerge(vaultLayer(vault))
  )

const nameArg = Args.text({ name: "name" }).pipe(Args.withDescription("the harness's name (see `myco harness list`)"))

const unknownHarness = (name: string, entries: ReadonlyArray<ManifestEntry>) =>
  new ConfigError({
    message: `there is no harness named ${name} (harnesses: ${entries.map(entryName).join(", ")})`,
    hint: "declare it in .agents/harnesses/<name>.yaml, or use one of those listed",
    fix: "myco harness list"
  })

const list = Command.make("list", { vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const { live, infos: all } = yield* infos
    if (o.json) return yield* out.json(encodeInfos(all))
    const rows = all.map((h) => [h.name, h.runtime || "-", h.capabilities.join(",") || "-", h.status, h.running.length > 0 ? `${h.running.length} running` : "", h.detail])
    yield* Effect.forEach(table(["NAME", "RUNTIME", "CAPABILITIES", "STATUS", "RUNS", "DETAIL"], rows), out.line, { discard: true })
    if (!live) yield* out.error("(the supervisor is not running: circuits are shown closed)")
  }).pipe(Effect.scoped, Effect.provide(harnessLayer(o.vault)))
).pipe(Command.withDescription("list the harnesses: runtime, capabilities, status (ok, invalid, unavailable, circuit open)"))

const show = Command.make("show", { name: nameArg, vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const entries = yield* discover
    const entry = entries.find((e) => entryName(e) === o.name)
    if (entry === undefined) return yield* unknownHarness(o.name, entries)
    const { infos: all } = yield* infos
    const info = all.find((h) => h.name === o.name)
    const manifest = entry._tag === "Valid" ? encodeManifest(entry.manifest) : null
    if (o.json) return yield* out.json({ manifest, status: info === undefined ? null : encodeInfos([info])[0], problems: entry._tag === "Invalid" ? entry.problems : [] })
    if (entry._tag === "Invalid") {
      yield* out.line(`${entry.name}  invalid (${entry.source})`)
      return yield* Effect.forEach(entry.problems, (p) => out.line(`  - ${p}`), { discard: true })
    }
    const m = entry.manifest
    const lines = [
      `name          ${m.name}`,
      `source        ${m.source}`,
      `runtime       ${m.runtime}`,
      `capabilities  ${m.capabilities.join(", ")}`,
      `concurrency   ${m.concurrency}`,
      `limits        timeout ${m.limits.timeout} ms, memory ${m.limits.memory === 0 ? "none" : `${m.limits.memory} bytes`}, output ${m.limits.output} bytes, turns ${m.limits.turns}, tokens ${m.limits.tokens}`,
      `tools         ${m.tools.allow.length === 0 ? "none" : m.tools.allow.join(", ")}${m.tools.read_only ? " (read only)" : ""}`,
      `circuit       opens after ${m.circuit.failures} consecutive agent failures, for ${m.circuit.cooldown} ms`,
      `env           ${m.env.pass.length === 0 ? "nothing passed" : m.env.pass.join(", ")}`,
      ...(m.process === undefined ? [] : [`process       ${JSON.stringify(m.process.command)}${m.process.cwd === undefined ? "" : ` in ${m.process.cwd}`}`]),
      ...(m.llm === undefined ? [] : [`llm           ${m.llm.provider} ${m.llm.model}${m.llm.base_url === undefined ? "" : ` at ${m.llm.base_url}`}`]),
      ...(m["claude-code"] === undefined ? [] : [`claude-code   ${m["claude-code"].binary}${m["claude-code"].model === undefined ? "" : ` (${m["claude-code"].model})`}`]),
      ...(info === undefined ? [] : [`status        ${info.status}: ${info.detail}`, `running       ${info.running.length === 0 ? "nothing" : info.running.join(", ")}`])
    ]
    yield* Effect.forEach(lines, out.line, { discard: true })
  }).pipe(Effect.scoped, Effect.provide(harnessLayer(o.vault)))
).pipe(Command.withDescription("show one harness: its manifest with defaults applied, and its state"))

const check = Command.make("check", { name: Args.optional(nameArg), vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const runtimes = yield* Runtimes
    const entries = yield* discover
    const name = Option.getOrUndefined(o.name)
    const chosen = name === undefined ? entries : entries.filter((e) => entryName(e) === name)
    if (name !== undefined && chosen.length === 0) return yield* unknownHarness(name, entries)
    const results = yield* Effect.forEach(chosen, (e) => {
      if (e._tag === "Invalid") {
        const error = manifestError(e)
        return Effect.succeed({ name: e.name, ok: false, status: "invalid", detail: e.problems.join("; "), problems: e.problems, fix: error.fix })
      }
      const runtime = runtimes.get(e.manifest.runtime)
      if (runtime === undefined) {
        return Effect.succeed({ name: e.manifest.name, ok: false, status: "unavailable", detail: `the ${e.manifest.runtime} runtime is not available in this myco`, problems: [], fix: "upgrade myco, or use another runtime" })
      }
      return Effect.map(runtime.probe(e.manifest), (p) => ({ name: e.manifest.name, ok: p.ok, status: p.ok ? "ok" : "unavailable", detail: p.detail, problems: [], fix: p.ok ? "" : `myco harness show ${e.manifest.name}` }))
    })
    if (o.json) yield* out.json(results)
    else {
      for (const r of results) {
        yield* out.line(`${r.ok ? "ok  " : "FAIL"}  ${r.name}: ${r.ok ? r.detail : r.status}`)
        if (!r.ok) {
          for (const p of r.problems.length > 0 ? r.problems : [r.detail]) yield* out.line(`        - ${p}`)
          yield* out.line(`        fix: ${r.fix}`)
        }
      }
    }
    if (results.some((r) => !r.ok)) yield* out.exitWith(ExitCode.config)
  }).pipe(Effect.provide(harnessLayer(o.vault)))
).pipe(Command.withDescription("validate the manifests and probe each harness (binary present, endpoint answering) without running a task"))

/** The exit code of a run that did not succeed, by its failure class. */
const runExitCode = (run: Run): number => {
  switch (run.failureClass) {
    case null:
      return run.status === "succeeded" ? ExitCode.ok : ExitCode.tempFail
    case "ConfigError":
      return ExitCode.config
    case "TransientError":
      return ExitCode.tempFail
    case "SystemError":
    case "AgentError":
      return ExitCode.software
  }
}

const renderRun = (r: Run): ReadonlyArray<string> => [
  `run           ${r.id}`,
  `session       ${r.sessionId}`,
  `task          ${r.task} (${r.capability}), attempt ${r.attempt}, priority ${r.priority}`,
  `harness       ${r.harness ?? "-"}`,
  `status        ${r.status}${r.failureClass === null ? "" : ` (${r.failureClass})`}`,
  ...(r.failure === null ? [] : [`failure       ${r.failure}`]),
  `queued        ${new Date(r.queuedAt).toISOString()}`,
  ...(r.startedAt === null ? [] : [`started       ${new Date(r.startedAt).toISOString()}`]),
  ...(r.endedAt === null ? [] : [`ended         ${new Date(r.endedAt).toISOString()} (${r.endedAt - (r.startedAt ?? r.queuedAt)} ms)`]),
  ...(r.limits === null ? [] : [`limits        ${JSON.stringify(r.limits)}`]),
  ...(r.usage === null ? [] : [`usage         ${JSON.stringify(r.usage)}`]),
  ...(Object.keys(r.diagnostics).length === 0 ? [] : [`diagnostics   ${JSON.stringify(r.diagnostics)}`]),
  ...(r.result === null || r.result === undefined ? [] : ["result", ...JSON.stringify(r.result, null, 2).split("\n").map((l) => `  ${l}`)])
]

const tryCommand = Command.make(
  "try",
  {
    name: nameArg,
    session: Options.text("session").pipe(Options.withSchema(SessionId), Options.withDescription("the session the run is about")),
    prompt: Options.text("prompt").pipe(Options.withDescription("what to do, in words (the run's instructions)")),
    capability: Options.text("capability").pipe(Options.optional, Options.withDescription("the capability to ask for (default: the harness's first)")),
    vault: vaultOption,
    json: jsonOption
  },
  (o) =>
    Effect.gen(function* () {
      const out = yield* Output
      const entries = yield* discover
      if (!entries.some((e) => entryName(e) === o.name)) return yield* unknownHarness(o.name, entries)
      const capability = Option.getOrUndefined(o.capability)
      const client = yield* supervisor
      const run = Option.isSome(client)
        ? yield* client.value.call(new HarnessTry({ harness: o.name, sessionId: o.session, prompt: o.prompt, capability }))
        : yield* Effect.gen(function* () {
            const { paths, config } = yield* VaultContext
            const scope = yield* Effect.scope
            const registry = yield* makeHarnesses({
              entries,
              config,
              projectRoot: paths.root,
              vaultDir: paths.dir,
              executor: (harness, task) => Effect.asVoid(Effect.forkIn(Effect.catchAll(task, (e) => Effect.logError(`harness ${harness}: ${e.message}`)), scope))
            })
            return yield* registry.submit(tryRequest(entries, { harness: o.name, sessionId: o.session, prompt: o.prompt, capability }))
          })
      if (o.json) yield* out.json({ ...encodeRun(run), via: Option.isSome(client) ? "supervisor" : "in-process" })
      else if (run.status === "succeeded") {
        yield* out.error(`run ${run.id} succeeded on ${run.harness ?? "?"} (${Option.isSome(client) ? "through the supervisor" : "in this process"})`)
        yield* Effect.forEach(JSON.stringify(run.result, null, 2).split("\n"), out.line, { discard: true })
      } else {
        yield* out.error(`myco: run ${run.id} ${run.status}${run.failureClass === null ? "" : ` (${run.failureClass})`}: ${run.failure ?? ""}`)
        yield* out.error(`  see: myco runs show ${run.id}`)
      }
      if (run.status !== "succeeded") yield* out.exitWith(runExitCode(run))
    }).pipe(Effect.scoped, Effect.provide(harnessLayer(o.vault)))
).pipe(Command.withDescription("one ad-hoc run on a harness: its answer printed, recorded as a run"))

/** `myco harness`. */
export const harnessCommand = Command.make("harness").pipe(
  Command.withDescription("the harnesses intelligence tasks run on"),
  Command.withSubcommands([list, show, check, tryCommand])
)

const runsLayer = (vault: Option.Option<string>) => layerRunStore.pipe(Layer.provide(databaseLayer(true)), Layer.provideMerge(vaultLayer(vault)))

const runsList = Command.make(
  "list",
  {
    session: Options.text("session").pipe(Options.withSchema(SessionId), Options.optional, Options.withDescription("only the runs of this session")),
    status: Options.choice("status", RunStatus.literals).pipe(Options.optional, Options.withDescription("only runs in this status")),
    limit: Options.integer("limit").pipe(Options.withSchema(Schema.Int.pipe(Schema.positive())), Options.withDefault(100), Options.withDescription("at most this many, newest first (default 100)")),
    vault: vaultOption,
    json: jsonOption
  },
  (o) =>
    Effect.gen(function* () {
      const out = yield* Output
      const store = yield* RunStore
      const rows = yield* store.list({ sessionId: Option.getOrUndefined(o.session), status: Option.getOrUndefined(o.status), limit: o.limit })
      if (o.json) return yield* out.json(rows.map((r) => encodeRun(r)))
      const lines = table(
        ["RUN", "SESSION", "TASK", "HARNESS", "STATUS", "CLASS", "QUEUED"],
        rows.map((r) => [r.id, r.sessionId, `${r.task}/${r.capability}`, r.harness ?? "-", r.status, r.failureClass ?? "", new Date(r.queuedAt).toISOString()])
      )
      yield* Effect.forEach(lines, out.line, { discard: true })
    }).pipe(Effect.provide(runsLayer(o.vault)))
).pipe(Command.withDescription("list runs, newest first"))

const runsShow = Command.make("show", { id: Args.text({ name: "run" }).pipe(Args.withDescription("the run's id")), vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const run = yield* Effect.flatMap(RunStore, (s) => s.get(o.id))
    if (o.json) return yield* out.json(encodeRun(run))
    yield* Effect.forEach(renderRun(run), out.line, { discard: true })
  }).pipe(Effect.provide(runsLayer(o.vault)))
).pipe(Command.withDescription("show one run: its harness, status, failure class, diagnostics, limits, usage, timings and result"))

/** `myco runs`. */
export const runsCommand = Command.make("runs").pipe(
  Command.withDescription("the runs of intelligence tasks on harnesses"),
  Command.withSubcommands([runsList, runsShow])
)
