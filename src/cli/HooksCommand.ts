/**
 * `myco hooks install|uninstall|status`: parses the options, calls the installer
 * (install/Installer.ts) and renders what it did or found, as text or JSON. Malformed agent
 * configs are reported one per line, with nothing written, and exit 65. `status` also says, per
 * agent, how many of its hook events the supervisor refused (store/RefusalStore.ts): hooks that
 * are installed and run, but whose events are not kept.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Command, Options } from "@effect/cli"
import { DateTime, Effect, Either, Layer, Schema } from "effect"
import { AGENTS } from "../agents/index.js"
import { GUARD_PATH, HOOK_AGENTS, type HookAgent } from "../install/HookConfig.js"
import { HOOK_BUNDLE } from "../install/Guard.js"
import {
  type AgentState,
  agentStatuses,
  type FileAction,
  guardFile,
  guardStatus,
  HooksChangeReport,
  HooksStatusReport,
  installHooks,
  type InstallOutcome,
  type MalformedHookConfigs,
  ownHookBundle,
  resolveGuard,
  uninstallHooks,
  type UninstallOutcome,
  usesGuard
} from "../install/Installer.js"
import { type AgentRefusals, RefusalStore, stillRefused } from "../store/RefusalStore.js"
import { layerRefusalStore } from "../store/sqlite/RefusalStore.js"
import { VaultContext } from "../vault/VaultContext.js"
import { databaseLayer, jsonOption, vaultLayer, vaultOption } from "./Common.js"
import { ExitCode } from "./ExitCodes.js"
import { Output, table } from "./Output.js"

const eventReports = (agent: HookAgent) => AGENTS[agent].hooks.events.map((e) => ({ name: e.name, async: e.async }))

/** Reports malformed configs (nothing was written) and exits 65. */
const reportMalformed = (root: string, error: MalformedHookConfigs) =>
  Effect.gen(function* () {
    const out = yield* Output
    for (const e of error.errors) yield* out.error(`myco: ${path.join(root, e.file)}: ${e.problem}`)
    yield* out.error("  hint: myco edits only files it can read back exactly; fix or move the file above, then run the command again")
    yield* out.error("  note: nothing was written")
    yield* out.exitWith(ExitCode.dataErr)
  })

const describeGuard = (action: FileAction, hook: string | null): string =>
  `${GUARD_PATH}: ${action}; ${hook === null ? "it finds no myco hook bundle yet" : `runs ${hook}`}`

const guardWarning = (hook: string | null): ReadonlyArray<string> =>
  hook !== null
    ? []
    : [
        `myco: warning: the guard finds no myco hook bundle (looked for $MYCO_HOOK, ${ownHookBundle() ?? `this myco's ${HOOK_BUNDLE}`}, node_modules/myco/dist/${HOOK_BUNDLE}): the hooks will do nothing until one is there`,
        "  hint: build or install myco (`npm install --save-dev myco`), or point MYCO_HOOK at a myco-hook.cjs"
      ]

// ---------------------------------------------------------------------------------------------
// Commands

/** `--agent NAME`, repeatable; checked against the agents myco knows by the parser itself. */
const agentOption = (what: string) =>
  Options.choice("agent", HOOK_AGENTS).pipe(
    Options.repeated,
    Options.withDescription(`${what}; repeat it for several agents`)
  )

const unique = <A>(items: ReadonlyArray<A>): ReadonlyArray<A> => [...new Set(items)]

/** Usage error raised by the command itself (not the parser): message, hint, exit 64. */
const usage = (message: string) =>
  Effect.gen(function* () {
    const out = yield* Output
    yield* out.error(`myco: ${message}`)
    yield* out.error(`  hint: valid agents are ${HOOK_AGENTS.join(", ")}; see \`myco hooks --help\``)
    yield* out.exitWith(ExitCode.usage)
  })

/** The `--json` report of an install or uninstall. */
const changeReport = (root: string, outcome: InstallOutcome | UninstallOutcome, hook: string | null) =>
  Schema.encodeSync(HooksChangeReport)({
    project: root,
    guard: { path: GUARD_PATH, action: outcome.guard, hook },
    agents: outcome.agents.map((a) => ({ ...a, events: eventReports(a.agent) }))
  })

const installSubcommand = Command.make(
  "install",
  { agent: agentOption("the agent to install hooks for (at least one)"), vault: vaultOption, json: jsonOption },
  (o) =>
    Effect.gen(function* () {
      const out = yield* Output
      const agents = unique(o.agent)
      if (agents.length === 0) return yield* usage("say which agent(s) to install hooks for, e.g. `myco hooks install --agent claude-code`")
      const { paths } = yield* VaultContext
      const root = paths.root
      const outcome = yield* installHooks(root, agents)
      const { hook } = resolveGuard(root)
      if (o.json) {
        yield* out.json(changeReport(root, outcome, hook))
      } else {
        yield* out.line(describeGuard(outcome.guard, hook))
        for (const change of outcome.agents) {
          const spec = AGENTS[change.agent].hooks
          const blocking = spec.events.filter((e) => !e.async).map((e) => e.name)
          const asynchronous = spec.events.filter((e) => e.async).map((e) => e.name)
          yield* out.line(
            change.action === "unchanged"
              ? `${change.agent}: ${change.config} already has myco's hooks`
              : `${change.agent}: ${change.action} ${change.config} (${spec.events.length} hooks)`
          )
          if (change.action === "unchanged") continue
          if (asynchronous.length > 0) yield* out.line(`  async:    ${asynchronous.join(", ")}`)
          if (blocking.length > 0) yield* out.line(`  blocking: ${blocking.join(", ")}`)
          for (const note of spec.limitations) yield* out.line(`  note: ${note}`)
        }
      }
      for (const line of guardWarning(hook)) yield* out.error(line)
    }).pipe(
      Effect.catchTag("MalformedHookConfigs", (e) => Effect.flatMap(VaultContext, ({ paths }) => reportMalformed(paths.root, e))),
      Effect.provide(vaultLayer(o.vault))
    )
).pipe(
  Command.withDescription(
    "install myco's capture hooks into the agents' project hook configs (merged with yours, never replacing them) and the guard .agents/myco-run.cjs"
  )
)

const uninstallSubcommand = Command.make(
  "uninstall",
  {
    agent: agentOption("the agent to remove myco's hooks for (or --all)"),
    all: Options.boolean("all").pipe(Options.withDescription("remove myco's hooks from every agent's config")),
    vault: vaultOption,
    json: jsonOption
  },
  (o) =>
    Effect.gen(function* () {
      const out = yield* Output
      const agents = o.all ? HOOK_AGENTS : unique(o.agent)
      if (agents.length === 0) return yield* usage("say which agent(s) to remove hooks for (--agent NAME), or --all")
      const { paths } = yield* VaultContext
      const root = paths.root
      const outcome = yield* uninstallHooks(root, agents)
      const hook = fs.existsSync(guardFile(root)) ? resolveGuard(root).hook : null
      if (o.json) {
        yield* out.json(changeReport(root, outcome, hook))
        return
      }
      for (const change of outcome.agents) {
        yield* out.line(
          change.action === "absent" || change.action === "unchanged"
            ? `${change.agent}: no myco hooks in ${change.config}`
            : change.action === "removed"
              ? `${change.agent}: removed ${change.config} (it held only myco's hooks)`
              : `${change.agent}: removed myco's hooks from ${change.config}`
        )
      }
      yield* out.line(
        outcome.guard === "removed"
          ? `${GUARD_PATH}: removed (no agent runs it any more)`
          : outcome.guard === "unchanged"
            ? `${GUARD_PATH}: kept (other agents still run it)`
            : `${GUARD_PATH}: absent`
      )
    }).pipe(
      Effect.catchTag("MalformedHookConfigs", (e) => Effect.flatMap(VaultContext, ({ paths }) => reportMalformed(paths.root, e))),
      Effect.provide(vaultLayer(o.vault))
    )
).pipe(Command.withDescription("remove myco's hooks from the agents' configs (your own hooks stay), and the guard once nothing runs it"))

const stateText: { readonly [S in AgentState]: string } = {
  installed: "installed",
  outdated: "outdated",
  "not-installed": "not installed",
  "no-config": "-",
  malformed: "MALFORMED"
}

/** The refusals recorded in the vault's database, per agent. */
const refusalSummary = Effect.flatMap(RefusalStore, (store) => store.summary).pipe(
  Effect.provide(layerRefusalStore.pipe(Layer.provide(databaseLayer(true))))
)

/** An agent's refusals, for its line: "refused 3 events (last pre_user_prompt, 2026-...)". */
const describeRefusals = (r: AgentRefusals, current: boolean): string =>
  `refused ${r.count} event${r.count === 1 ? "" : "s"}${current ? "" : " before myco.yaml changed"} (last ${r.lastEvent}, ${DateTime.formatIso(r.lastAt)})`

/** An agent's refusals, as `status --json` reports them. */
const refusedReport = (r: AgentRefusals | undefined, settings: Parameters<typeof stillRefused>[1]) =>
  r === undefined
    ? null
    : { count: r.count, lastAt: DateTime.formatIso(r.lastAt), lastEvent: r.lastEvent, reason: r.lastReason, current: stillRefused(r, settings) }

const statusSubcommand = Command.make("status", { vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const { paths, config } = yield* VaultContext
    const root = paths.root
    const statuses = yield* agentStatuses(root)
    const guard = yield* guardStatus(root)
    const read = yield* Effect.either(refusalSummary)
    if (Either.isLeft(read)) yield* out.error(`myco: warning: cannot read the refused hook events from ${paths.db}: ${read.left.message}`)
    const refusedBy = new Map(Either.getOrElse(read, () => []).map((r) => [r.agent, r]))
    const settings = { allowed: config.agents.allowed, capture: config.sessions.capture }
    if (o.json) {
      yield* out.json(
        Schema.encodeSync(HooksStatusReport)({
          project: root,
          guard: { path: GUARD_PATH, present: guard.present, hook: guard.hook, installedBy: guard.installedBy, error: guard.error },
          agents: statuses.map((s) => ({
            agent: s.agent,
            config: s.config,
            state: s.state,
            current: s.inspection?.current ?? [],
            outdated: s.inspection?.outdated ?? [],
            missing: s.inspection?.missing ?? [],
            stray: s.inspection?.stray ?? [],
            problem: s.problem,
            refused: refusedReport(refusedBy.get(s.agent), settings)
          }))
        })
      )
      return
    }
    const rows = statuses.map((s) => {
      const detail =
        s.state === "malformed"
          ? (s.problem ?? "")
          : s.state === "outdated" && s.inspection !== null
            ? [
                s.inspection.missing.length > 0 ? `missing ${s.inspection.missing.join(", ")}` : "",
                s.inspection.outdated.length > 0 ? `outdated ${s.inspection.outdated.join(", ")}` : "",
                s.inspection.stray.length > 0 ? `stray ${s.inspection.stray.join(", ")}` : ""
              ]
                .filter((x) => x !== "")
                .join("; ")
            : s.state === "installed"
              ? `${AGENTS[s.agent].hooks.events.length} hooks`
              : ""
      const refused = refusedBy.get(s.agent)
      const state = refused === undefined ? stateText[s.state] : `${stateText[s.state]}, ${describeRefusals(refused, stillRefused(refused, settings))}`
      return [s.agent, state, s.config, detail]
    })
    for (const line of table(["AGENT", "HOOKS", "CONFIG", "DETAIL"], rows)) yield* out.line(line)
    yield* out.line(
      !guard.present
        ? `guard ${GUARD_PATH}: absent`
        : guard.error !== null
          ? `guard ${GUARD_PATH}: BROKEN (${guard.error})`
          : guard.hook === null
            ? `guard ${GUARD_PATH}: present, finds no myco hook bundle (hooks do nothing)`
            : `guard ${GUARD_PATH}: present, runs ${guard.hook}`
    )
    if (statuses.some((s) => s.state === "outdated") || (!guard.present && statuses.some(usesGuard))) {
      yield* out.line("fix: `myco doctor --fix` (or `myco hooks install --agent NAME` again)")
    }
    for (const r of refusedBy.values()) {
      if (!stillRefused(r, settings)) continue
      yield* out.line(
        r.lastReason === "agent-not-allowed"
          ? `refused: ${r.agent}'s hook events are not kept (it is not in agents.allowed): add it to agents.allowed in .myco/myco.yaml, or \`myco hooks uninstall --agent ${r.agent}\``
          : `refused: ${r.agent}'s hook events are not kept (sessions.capture is off in .myco/myco.yaml)`
      )
    }
  }).pipe(Effect.provide(vaultLayer(o.vault)))
).pipe(Command.withDescription("which agents have myco's hooks, and whether the guard finds myco"))

/** `myco hooks`. */
export const hooksCommand = Command.make("hooks").pipe(
  Command.withDescription("install, remove and check the hooks that let myco capture coding agents' sessions"),
  Command.withSubcommands([installSubcommand, uninstallSubcommand, statusSubcommand])
)
