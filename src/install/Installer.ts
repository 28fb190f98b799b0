/**
 * The hook installer: puts myco's capture hooks into the coding agents' project hook configs (and
 * the guard they all run, `.agents/myco-run.cjs`), takes them out again, and says how they stand,
 * for `myco hooks` (cli/HooksCommand.ts) and `myco doctor`'s hooks check. What goes where, per
 * agent, is each agent's hook spec (agents/); how entries are merged is HookConfig.ts; the guard's
 * source is Guard.ts.
 *
 * Writes are atomic (a temp file renamed over the target) and all-or-nothing per call in the one
 * way that matters: if any agent's config is malformed, nothing at all is written. These are the
 * project's files, not the vault's: a new one gets the mode the user's umask gives it (the binary
 * runs with a private umask, for the vault), an existing one keeps its mode.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Either, Schema } from "effect"
import { AGENTS } from "../agents/index.js"
import { ConfigError } from "../domain/Failure.js"
import { mkdirProject, projectModes } from "../vault/Permissions.js"
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

/** One or more agent configs that cannot be edited safely; nothing was written. */
export class MalformedHookConfigs extends Schema.TaggedError<MalformedHookConfigs>()("MalformedHookConfigs", {
  errors: Schema.Array(MalformedConfig)
}) {
  override get message(): string {
    return `${this.errors.map((e) => e.message).join("; ")}: myco edits only files it can read back exactly; fix or move ${this.errors.length === 1 ? "that file" : "those files"}, then run the command again (nothing was written)`
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
      mkdirProject(path.dirname(target))
      const previousMode = fs.existsSync(target) ? fs.statSync(target).mode & 0o7777 : projectModes()?.file
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

/** How the project's guard stands: whether it is there, what it runs, and who wrote it. */
export interface GuardStatus {
  readonly present: boolean
  /** The hook bundle it runs, or null when it finds none (or is absent). */
  readonly hook: string | null
  /** The bundle written into it by the myco that installed it. */
  readonly installedBy: string | null
  /** Why it could not run, when it could not. */
  readonly error: string | null
}

/** Reads the project's guard and runs it in its resolve-only mode (reading only). */
export const guardStatus = (root: string): Effect.Effect<GuardStatus, ConfigError> =>
  Effect.map(readText(guardFile(root)), (text) => {
    if (text === undefined) return { present: false, hook: null, installedBy: null, error: null }
    const resolution = resolveGuard(root)
    return { present: true, hook: resolution.hook, installedBy: bakedHookPath(text), error: resolution.error }
  })

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
      problem: Schema.NullOr(Schema.String),
      /** The agent's hook events the supervisor refused, or null when none was. */
      refused: Schema.NullOr(
        Schema.Struct({
          count: Schema.Int,
          lastAt: Schema.String,
          lastEvent: Schema.String,
          reason: Schema.Literal("agent-not-allowed", "capture-off"),
          /** Whether the refusals still apply under the current myco.yaml. */
          current: Schema.Boolean
        })
      )
    })
  )
})
