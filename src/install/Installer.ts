/**
 * `myco hooks install|uninstall|status`: puts myco's capture hooks into the coding agents' project
 * hook configs (and the guard they all run, `.agents/myco-run.cjs`), takes them out again, and
 * says how they stand. What goes where, per agent, is in Agents.ts; the guard is in Guard.ts.
 *
 * Writes are atomic (a temp file renamed over the target) and all-or-nothing per command in the
 * one way that matters: if any agent's config is malformed, nothing at all is written (exit 65).
 * Installing needs a vault (`myco init`): the hooks deliver into it.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Command, Options } from "@effect/cli"
import { Data, Effect, Either, Schema } from "effect"
import { AGENTS } from "../agents/index.js"
import { ConfigError } from "../domain/Failure.js"
import { VaultContext } from "../vault/VaultContext.js"
import { jsonOption, vaultLayer, vaultOption } from "../cli/Common.js"
import { ExitCode } from "../cli/ExitCodes.js"
import { Output, table } from "../cli/Output.js"
import {

  type AgentHooks,
  type CommandContext,
  GUARD_PATH,
  HOOK_AGENTS,
  type HookAgent,
  type InstalledEvent,
  inspect,
  type Inspection,
  install,
  isConfigured,
  isUpToDate,
  MalformedConfig,
  mentionsGuardText,
  uninstall
} from "./HookConfig.js"
import { bakedHookPath, guardSource, HOOK_BUNDLE, RESOLVE_FLAG } from "./Guard.js"

/** One or more agent configs that cannot be edited; nothing was written. */
export class MalformedHookConfigs extends Data.TaggedError("MalformedHookConfigs")<{
  readonly errors: ReadonlyArray<MalformedConfig>
}> {
  override get message(): string {
    return this.errors.map((e) => e.message).join("; ")
  }
}

// ---------------------------------------------------------------------------------------------
// Files

const errorText = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

const fileError = (action: string, file: string, cause: unknown): ConfigError =>
  new ConfigError({
    message: `cannot ${action} ${file}: ${errorText(cause)}`,
    hint: "myco needs to read and write the agents' hook configs in the project; check their owner and mode",
    fix: "myco doctor",
    path: file
  })

/** The file's text, or undefined when there is no file. */
const readText = (file: string): Effect.Effect<string | undefined, ConfigError> =>
  Effect.try({
    try: () => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined),
    catch: (cause) => fileError("read", file, cause)
  })

/** Where a write to `file` must land: through a symlink (a dotfiles setup) to its target. */
const writeTarget = (file: string): string => {
  try {
    return fs.lstatSync(file).isSymbolicLink() ? fs.realpathSync(file) : file
  } catch {
    // No file yet (or a dangling link): write the path itself.
    return file
  }
}

/**
 * Writes `text` to `file` atomically: a temp file in the same directory, renamed over it, so that
 * an agent reading its config never sees half of it. Keeps the file's mode unless `mode` is given.
 */
const writeAtomic = (file: string, text: string, mode?: number): Effect.Effect<void, ConfigError> =>
  Effect.try({
    try: () => {
      const target = writeTarget(file)
      fs.mkdirSync(path.dirname(target), { recursive: true })
      const previousMode = fs.existsSync(target) ? fs.statSync(target).mode & 0o7777 : undefined
      const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`)
      try {
        fs.writeFileSync(temp, text)
        const finalMode = mode ?? previousMode
        if (finalMode !== undefined) fs.chmodSync(temp, finalMode)
        fs.renameSync(temp, target)
      } catch (cause) {
        fs.rmSync(temp, { force: true })
        throw cause
      }
    },
    catch: (cause) => fileError("write", file, cause)
  })

const removeFile = (file: string): Effect.Effect<void, ConfigError> =>
  Effect.try({ try: () => fs.rmSync(file, { force: true }), catch: (cause) => fileError("remove", file, cause) })

// ---------------------------------------------------------------------------------------------
// The guard

/** The guard's absolute path in a project. */
export const guardFile = (root: string): string => path.join(root, GUARD_PATH)

/**
 * The hook bundle of the running myco: `myco-hook.cjs` beside the CLI's launcher in dist/. The CLI
 * runs as `node <dist>/myco.cjs` (an npm bin is a symlink to it, hence realpath).
 */
export const ownHookBundle = (): string | null => {
  const script = process.argv[1]
  if (script === undefined) return null
  try {
    return path.join(path.dirname(fs.realpathSync(script)), HOOK_BUNDLE)
  } catch {
    return null
  }
}

/** What running the guard found. */
export interface GuardResolution {
  /** The hook bundle it would run, or null when it finds none (myco "not installed"). */
  readonly hook: string | null
  /** Why the guard itself could not run, when it could not. */
  readonly error: string | null
}

/** Runs the project's guard in its resolve-only mode: the real check that it works. */
export const resolveGuard = (root: string): GuardResolution => {
  const result = spawnSync(process.execPath, [guardFile(root), RESOLVE_FLAG], {
    cwd: root,
    encoding: "utf8",
    timeout: 10_000,
    stdio: ["ignore", "pipe", "pipe"]
  })
  if (result.error !== undefined) return { hook: null, error: result.error.message }
  const stderr = result.stderr.trim()
  if (result.status !== 0 || stderr !== "") {
    return { hook: null, error: stderr === "" ? `exited with ${String(result.status ?? result.signal)}` : (stderr.split("\n")[0] ?? stderr) }
  }
  const hook = result.stdout.trim()
  return { hook: hook === "" ? null : hook, error: null }
}

/** What a command did to a file. */
export type FileAction = "created" | "updated" | "unchanged" | "removed" | "absent"
const FileAction = Schema.Literal("created", "updated", "unchanged", "removed", "absent")

/** Writes the guard for this myco (mode 0755), unless it is exactly that already. */
export const writeGuard = (root: string): Effect.Effect<FileAction, ConfigError> =>
  Effect.gen(function* () {
    const file = guardFile(root)
    const text = guardSource(ownHookBundle())
    const existing = yield* readText(file)
    const executable = existing !== undefined && (fs.statSync(file).mode & 0o111) !== 0
    if (existing === text && executable) return "unchanged" as const
    yield* writeAtomic(file, text, 0o755)
    return existing === undefined ? ("created" as const) : ("updated" as const)
  })

// ---------------------------------------------------------------------------------------------
// Agent configs

/** Where the project sits in its git work tree (Codex's hook commands need it). */
export const commandContext = (root: string): CommandContext => {
  for (let dir = root; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, ".git"))) return { projectInGit: path.relative(dir, root).split(path.sep).join("/") }
    if (path.dirname(dir) === dir) return { projectInGit: null }
  }
}

/** The commands `spec`'s hooks run in this project. */
export const commandsFor = (root: string, spec: AgentHooks): ((event: InstalledEvent) => string) => {
  const context = commandContext(root)
  return (event) => spec.command(event, context)
}

/** The absolute path of an agent's config file in a project. */
export const configFile = (root: string, spec: AgentHooks): string => path.join(root, ...spec.configPath.split("/"))

/** What happened to one agent's config. */
export interface AgentChange {
  readonly agent: HookAgent
  readonly config: string
  readonly action: FileAction
}

const actionOf = (before: string | undefined, after: string | undefined, changed: boolean): FileAction =>
  !changed ? (before === undefined ? "absent" : "unchanged") : after === undefined ? "removed" : before === undefined ? "created" : "updated"

/** A merge computed for one agent, to write once every agent's merge succeeded. */
interface PlannedWrite {
  readonly agent: HookAgent
  readonly spec: AgentHooks
  readonly file: string
  readonly before: string | undefined
  readonly after: string | undefined
  readonly changed: boolean
}

/** Reads each agent's config and merges with `merge`; fails, before anything is written, on malformed ones. */
const plan = (
  root: string,
  agents: ReadonlyArray<HookAgent>,
  merge: (spec: AgentHooks, text: string | undefined) => Either.Either<{ readonly text: string | undefined; readonly changed: boolean }, MalformedConfig>
): Effect.Effect<ReadonlyArray<PlannedWrite>, ConfigError | MalformedHookConfigs> =>
  Effect.gen(function* () {
    const planned: Array<PlannedWrite> = []
    const malformed: Array<MalformedConfig> = []
    for (const agent of agents) {
      const spec = AGENTS[agent].hooks
      const file = configFile(root, spec)
      const before = yield* readText(file)
      const merged = merge(spec, before)
      if (Either.isLeft(merged)) malformed.push(merged.left)
      else planned.push({ agent, spec, file, before, after: merged.right.text, changed: merged.right.changed })
    }
    if (malformed.length > 0) return yield* new MalformedHookConfigs({ errors: malformed })
    return planned
  })

const carryOut = (writes: ReadonlyArray<PlannedWrite>): Effect.Effect<ReadonlyArray<AgentChange>, ConfigError> =>
  Effect.forEach(writes, (w) =>
    Effect.gen(function* () {
      if (w.changed) yield* w.after === undefined ? removeFile(w.file) : writeAtomic(w.file, w.after)
      return { agent: w.agent, config: w.spec.configPath, action: actionOf(w.before, w.after, w.changed) }
    })
  )

/** The agents whose hooks were installed, by the project's guard. */
export interface InstallOutcome {
  readonly guard: FileAction
  readonly agents: ReadonlyArray<AgentChange>
}

/**
 * Installs myco's hooks for `agents` in the project: the guard first (the hooks run it), then each
 * agent's config. If any config is malformed, nothing is written.
 */
export const installHooks = (
  root: string,
  agents: ReadonlyArray<HookAgent>
): Effect.Effect<InstallOutcome, ConfigError | MalformedHookConfigs> =>
  Effect.gen(function* () {
    const writes = yield* plan(root, agents, (spec, text) => install(spec, text, commandsFor(root, spec)))
    const guard = yield* writeGuard(root)
    return { guard, agents: yield* carryOut(writes) }
  })

/** How one agent's hooks stand in a project. */
export type AgentState = "installed" | "outdated" | "not-installed" | "no-config" | "malformed"
const AgentState = Schema.Literal("installed", "outdated", "not-installed", "no-config", "malformed")

/** One agent's hooks in a project, as `status` and `doctor` see them. */
export interface AgentStatus {
  readonly agent: HookAgent
  readonly config: string
  readonly state: AgentState
  readonly inspection: Inspection | null
  readonly problem: string | null
  /** Whether the file mentions the guard: for a malformed one, whether it may hold myco's hooks. */
  readonly mentionsGuard: boolean
}

/** How every agent's hooks stand in the project (reading only). */
export const agentStatuses = (root: string): Effect.Effect<ReadonlyArray<AgentStatus>, ConfigError> =>
  Effect.forEach(HOOK_AGENTS, (agent) =>
    Effect.map(readText(configFile(root, AGENTS[agent].hooks)), (text): AgentStatus => {
      const spec = AGENTS[agent].hooks
      const base = { agent, config: spec.configPath, mentionsGuard: text !== undefined && mentionsGuardText(text) }
      if (text === undefined) return { ...base, state: "no-config", inspection: null, problem: null }
      const inspected = inspect(spec, text, commandsFor(root, spec))
      if (Either.isLeft(inspected)) return { ...base, state: "malformed", inspection: null, problem: inspected.left.problem }
      const inspection = inspected.right
      const state: AgentState = !isConfigured(inspection) ? "not-installed" : isUpToDate(inspection) ? "installed" : "outdated"
      return { ...base, state, inspection, problem: null }
    })
  )

/** Whether an agent's config runs the guard (a malformed one that mentions it might). */
export const usesGuard = (status: AgentStatus): boolean =>
  status.inspection === null ? status.state === "malformed" && status.mentionsGuard : isConfigured(status.inspection)

/** What `uninstall` did. */
export interface UninstallOutcome {
  readonly guard: FileAction
  readonly agents: ReadonlyArray<AgentChange>
}

/**
 * Removes myco's hooks for `agents`; then the guard, once no agent's config runs it any more. If
 * any config is malformed, nothing is written.
 */
export const uninstallHooks = (
  root: string,
  agents: ReadonlyArray<HookAgent>
): Effect.Effect<UninstallOutcome, ConfigError | MalformedHookConfigs> =>
  Effect.gen(function* () {
    const writes = yield* plan(root, agents, uninstall)
    const changes = yield* carryOut(writes)
    const file = guardFile(root)
    if (!fs.existsSync(file)) return { guard: "absent" as const, agents: changes }
    const stillUsed = (yield* agentStatuses(root)).some(usesGuard)
    if (stillUsed) return { guard: "unchanged" as const, agents: changes }
    yield* removeFile(file)
    // .agents/ may hold other things (harness manifests); only an empty one goes.
    yield* Effect.sync(() => {
      try {
        fs.rmdirSync(path.dirname(file))
      } catch {
        // Not empty, or gone: leave it.
      }
    })
    return { guard: "removed" as const, agents: changes }
  })

// ---------------------------------------------------------------------------------------------
// Reports

const EventReport = Schema.Struct({ name: Schema.String, async: Schema.Boolean })
const GuardReport = Schema.Struct({
  path: Schema.String,
  action: FileAction,
  /** The hook bundle the guard runs, or null when it finds none. */
  hook: Schema.NullOr(Schema.String)
})

/** `myco hooks install --json` and `uninstall --json`. */
export const HooksChangeReport = Schema.Struct({
  project: Schema.String,
  guard: GuardReport,
  agents: Schema.Array(
    Schema.Struct({ agent: Schema.String, config: Schema.String, action: FileAction, events: Schema.Array(EventReport) })
  )
})

/** `myco hooks status --json`. */
export const HooksStatusReport = Schema.Struct({
  project: Schema.String,
  guard: Schema.Struct({
    path: Schema.String,
    present: Schema.Boolean,
    /** The hook bundle the guard runs, or null when it finds none. */
    hook: Schema.NullOr(Schema.String),
    /** The bundle written into the guard by the myco that installed it. */
    installedBy: Schema.NullOr(Schema.String),
    error: Schema.NullOr(Schema.String)
  }),
  agents: Schema.Array(
    Schema.Struct({
      agent: Schema.String,
      config: Schema.String,
      state: AgentState,
      current: Schema.Array(Schema.String),
      outdated: Schema.Array(Schema.String),
      missing: Schema.Array(Schema.String),
      stray: Schema.Array(Schema.String),
      problem: Schema.NullOr(Schema.String)
    })
  )
})

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
        yield* out.json(
          Schema.encodeSync(HooksChangeReport)({
            project: root,
            guard: { path: GUARD_PATH, action: outcome.guard, hook },
            agents: outcome.agents.map((a) => ({ ...a, events: eventReports(a.agent) }))
          })
        )
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
        yield* out.json(
          Schema.encodeSync(HooksChangeReport)({
            project: root,
            guard: { path: GUARD_PATH, action: outcome.guard, hook },
            agents: outcome.agents.map((a) => ({ ...a, events: eventReports(a.agent) }))
          })
        )
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

const statusSubcommand = Command.make("status", { vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const { paths } = yield* VaultContext
    const root = paths.root
    const statuses = yield* agentStatuses(root)
    const guardText = yield* readText(guardFile(root))
    const resolution: GuardResolution = guardText === undefined ? { hook: null, error: null } : resolveGuard(root)
    const installedBy = guardText === undefined ? null : bakedHookPath(guardText)
    if (o.json) {
      yield* out.json(
        Schema.encodeSync(HooksStatusReport)({
          project: root,
          guard: { path: GUARD_PATH, present: guardText !== undefined, hook: resolution.hook, installedBy, error: resolution.error },
          agents: statuses.map((s) => ({
            agent: s.agent,
            config: s.config,
            state: s.state,
            current: s.inspection?.current ?? [],
            outdated: s.inspection?.outdated ?? [],
            missing: s.inspection?.missing ?? [],
            stray: s.inspection?.stray ?? [],
            problem: s.problem
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
      return [s.agent, stateText[s.state], s.config, detail]
    })
    for (const line of table(["AGENT", "HOOKS", "CONFIG", "DETAIL"], rows)) yield* out.line(line)
    yield* out.line(
      guardText === undefined
        ? `guard ${GUARD_PATH}: absent`
        : resolution.error !== null
          ? `guard ${GUARD_PATH}: BROKEN (${resolution.error})`
          : resolution.hook === null
            ? `guard ${GUARD_PATH}: present, finds no myco hook bundle (hooks do nothing)`
            : `guard ${GUARD_PATH}: present, runs ${resolution.hook}`
    )
    if (statuses.some((s) => s.state === "outdated") || (guardText === undefined && statuses.some(usesGuard))) {
      yield* out.line("fix: `myco doctor --fix` (or `myco hooks install --agent NAME` again)")
    }
  }).pipe(Effect.provide(vaultLayer(o.vault)))
).pipe(Command.withDescription("which agents have myco's hooks, and whether the guard finds myco"))

/** `myco hooks`. */
export const hooksCommand = Command.make("hooks").pipe(
  Command.withDescription("install, remove and check the hooks that let myco capture coding agents' sessions"),
  Command.withSubcommands([installSubcommand, uninstallSubcommand, statusSubcommand])
)
