import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { CheckResult } from "../../src/diagnostics/Check.js"
import { AGENTS } from "../../src/agents/index.js"
import {

  type AgentHooks,
  GUARD_PATH,
  HOOK_AGENTS,
  type HookAgent,
  type InstalledEvent,
  inspect,
  install,
  isUpToDate,
  type JsonObject,
  type MalformedConfig,
  uninstall
} from "../../src/install/HookConfig.js"
import { bakedHookPath, guardSource, RESOLVE_FLAG } from "../../src/install/Guard.js"
import { HooksChangeReport, HooksStatusReport } from "../../src/install/Installer.js"
import { myco, repoRoot, tempProject, type TempProject } from "../support/cli.js"

// ---------------------------------------------------------------------------------------------
// Fixtures

/** An event of the agent's that myco does not install, for the user's own hooks. */
const otherEvent: Readonly<Record<string, string>> = {
  "claude-code": "PreToolUse",
  codex: "PreToolUse",
  cursor: "beforeShellExecution",
  "gemini-cli": "BeforeTool",
  "vscode-copilot": "PreToolUse",
  windsurf: "pre_run_command"
}

const commands = (spec: AgentHooks) => (e: InstalledEvent) => spec.command(e, { projectInGit: "" })

/** A hook of the user's, in the agent's layout. */
const userEntry = (spec: AgentHooks, command: string): JsonObject =>
  spec.layout === "groups" ? { matcher: "Bash", hooks: [{ type: "command", command, timeout: 5 }] } : { command }

const firstEvent = (spec: AgentHooks): string => spec.events[0]?.name ?? ""

/** A config file of the user's: their hooks on one of myco's events and on another, and a setting. */
const userDocument = (spec: AgentHooks): JsonObject => ({
  ...spec.skeleton,
  [spec.agent === "gemini-cli" ? "general" : "userSetting"]: { keep: true },
  hooks: {
    [otherEvent[spec.agent] ?? "none"]: [userEntry(spec, "./scripts/guard-shell.sh")],
    [firstEvent(spec)]: [userEntry(spec, "./scripts/lint.sh")]
  }
})

const json2 = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

const parseObject = (text: string | undefined): { readonly [key: string]: unknown } => {
  if (text === undefined) throw new Error("no text")
  return Schema.decodeUnknownSync(Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.Unknown })))(text)
}

const hooksOf = (text: string | undefined): { readonly [key: string]: ReadonlyArray<unknown> } =>
  Schema.decodeUnknownSync(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.Unknown) }))(parseObject(text)["hooks"])

const right = <A, E>(either: Either.Either<A, E>): A => {
  if (Either.isLeft(either)) throw new Error(`expected success, got ${String(either.left)}`)
  return either.right
}

/** Every command string in a value, wherever it sits. */
const commandStrings = (value: unknown): ReadonlyArray<string> => {
  if (Array.isArray(value)) return value.flatMap(commandStrings)
  if (typeof value !== "object" || value === null) return []
  return Object.entries(value).flatMap(([key, v]) => (key === "command" && typeof v === "string" ? [v] : commandStrings(v)))
}

// ---------------------------------------------------------------------------------------------
// The merge functions

describe.each(HOOK_AGENTS)("merging %s's hook config", (agent) => {
  const spec = AGENTS[agent].hooks
  const cmd = commands(spec)

  it("installs one entry per event into an empty project, each running the guard for that event", () => {
    const { text, changed } = right(install(spec, undefined, cmd))
    expect(changed).toBe(true)
    expect(text?.endsWith("}\n")).toBe(true)
    const hooks = hooksOf(text)
    expect(Object.keys(hooks)).toEqual(spec.events.map((e) => e.name))
    for (const e of spec.events) {
      expect(hooks[e.name]).toEqual([spec.entry(e, cmd(e))])
      expect(commandStrings(hooks[e.name])).toEqual([cmd(e)])
      expect(cmd(e)).toContain(GUARD_PATH)
      expect(cmd(e)).toContain(` ${e.name} --agent ${agent}`)
    }
    expect(parseObject(text)).toMatchObject(spec.skeleton)
    expect(isUpToDate(right(inspect(spec, text, cmd)))).toBe(true)
  })

  it("keeps the user's hooks for the same and other events, and their settings, exactly", () => {
    const original = userDocument(spec)
    const { text } = right(install(spec, json2(original), cmd))
    const after = parseObject(text)
    const hooks = hooksOf(text)
    expect(after[spec.agent === "gemini-cli" ? "general" : "userSetting"]).toEqual({ keep: true })
    expect(hooks[otherEvent[agent] ?? "none"]).toEqual([userEntry(spec, "./scripts/guard-shell.sh")])
    // The user's entry stays first; myco's comes after it.
    const first = spec.events[0]
    if (first === undefined) throw new Error("no events")
    expect(hooks[first.name]).toEqual([userEntry(spec, "./scripts/lint.sh"), spec.entry(first, cmd(first))])
    // The user's keys keep their order; myco's events follow.
    expect(Object.keys(hooks).slice(0, 2)).toEqual([otherEvent[agent], first.name])
  })

  it("is idempotent: a second install changes nothing, byte for byte", () => {
    for (const start of [undefined, json2(userDocument(spec))]) {
      const once = right(install(spec, start, cmd))
      const twice = right(install(spec, once.text, cmd))
      expect(twice.changed).toBe(false)
      expect(twice.text).toBe(once.text)
    }
  })

  it("uninstalls back to the user's file exactly, and deletes a file that held only myco's hooks", () => {
    const original = json2(userDocument(spec))
    const installed = right(install(spec, original, cmd))
    const removed = right(uninstall(spec, installed.text))
    expect(removed).toEqual({ text: original, changed: true })
    expect(right(uninstall(spec, original))).toEqual({ text: original, changed: false })

    const onlyMyco = right(install(spec, undefined, cmd))
    expect(right(uninstall(spec, onlyMyco.text))).toEqual({ text: undefined, changed: true })
    expect(right(uninstall(spec, undefined))).toEqual({ text: undefined, changed: false })
  })

  it("updates an outdated myco entry in place, drops duplicates and myco entries on events it no longer uses", () => {
    const first = spec.events[0]
    if (first === undefined) throw new Error("no events")
    const old = (event: string) => `node .agents/myco-run.cjs ${event} --agent old-name`
    const document = {
      ...spec.skeleton,
      hooks: {
        [first.name]: [
          userEntry(spec, old(first.name)),
          userEntry(spec, "./scripts/lint.sh"),
          userEntry(spec, old(first.name))
        ],
        [otherEvent[agent] ?? "none"]: [userEntry(spec, "./mine.sh"), userEntry(spec, old(otherEvent[agent] ?? "none"))]
      }
    }
    const before = right(inspect(spec, json2(document), cmd))
    expect(before.outdated).toEqual([first.name])
    expect(before.stray).toEqual([otherEvent[agent]])
    expect(isUpToDate(before)).toBe(false)
    const { text } = right(install(spec, json2(document), cmd))
    const hooks = hooksOf(text)
    expect(hooks[first.name]).toEqual([spec.entry(first, cmd(first)), userEntry(spec, "./scripts/lint.sh")])
    expect(hooks[otherEvent[agent] ?? "none"]).toEqual([userEntry(spec, "./mine.sh")])
    expect(isUpToDate(right(inspect(spec, text, cmd)))).toBe(true)
  })

  it("keeps the file's indentation and line endings", () => {
    const original = JSON.stringify(userDocument(spec), null, 4).replace(/\n/g, "\r\n")
    const { text } = right(install(spec, original, cmd))
    expect(text).toMatch(/^\{\r\n {4}"/)
    expect(text?.includes("\n  \"")).toBe(false)
    expect(text?.endsWith("}")).toBe(true)
    expect(right(uninstall(spec, text)).text).toBe(original)
  })

  it("reports a malformed file as MalformedConfig, saying what is wrong", () => {
    const first = firstEvent(spec)
    const cases: ReadonlyArray<readonly [string, RegExp]> = [
      ['{ "hooks": ', /not valid JSON/],
      ["[1, 2]", /top level must be a JSON object/],
      ['{ "hooks": [] }', /`hooks` must be an object/],
      [`{ "hooks": { "${first}": { "command": "x" } } }`, new RegExp(`hooks\\.${first}`)],
      [`{ "hooks": { "${first}": ["x"] } }`, new RegExp(`hooks\\.${first}`)]
    ]
    // Uninstalling only needs to read a file that mentions the guard: others hold nothing of myco's.
    const guarded = (text: string) =>
      text.startsWith("[") ? text.replace("[", `["${GUARD_PATH}", `) : text.replace("{", `{ "note": "${GUARD_PATH}", `)
    for (const [text, problem] of cases) {
      expect(right(uninstall(spec, text))).toEqual({ text, changed: false })
      const results: ReadonlyArray<Either.Either<unknown, MalformedConfig>> = [
        install(spec, text, cmd),
        uninstall(spec, guarded(text)),
        inspect(spec, text, cmd)
      ]
      for (const result of results) {
        if (Either.isRight(result)) throw new Error(`accepted ${text}`)
        expect(result.left._tag).toBe("MalformedConfig")
        expect(result.left.file).toBe(spec.configPath)
        expect(result.left.problem).toMatch(problem)
      }
    }
  })
})

describe("merging matcher groups", () => {
  const spec = AGENTS["claude-code"].hooks
  const cmd = commands(spec)

  it("takes myco's handler out of a group it shares with the user's, and leaves theirs", () => {
    const mixed = {
      hooks: {
        PostToolUse: [
          {
            matcher: "Edit",
            hooks: [
              { type: "command", command: "prettier --write" },
              { type: "command", command: "node .agents/myco-run.cjs PostToolUse --agent claude-code" }
            ]
          }
        ]
      }
    }
    const installed = hooksOf(right(install(spec, json2(mixed), cmd)).text)
    const postToolUse = spec.events.find((e) => e.name === "PostToolUse")
    if (postToolUse === undefined) throw new Error("no PostToolUse")
    expect(installed["PostToolUse"]).toEqual([
      { matcher: "Edit", hooks: [{ type: "command", command: "prettier --write" }] },
      spec.entry(postToolUse, cmd(postToolUse))
    ])
    const removed = hooksOf(right(uninstall(spec, json2(mixed))).text)
    expect(removed["PostToolUse"]).toEqual([{ matcher: "Edit", hooks: [{ type: "command", command: "prettier --write" }] }])
  })

  it("leaves entries of events it does not edit alone, whatever their shape (Gemini's `disabled`)", () => {
    const gemini = AGENTS["gemini-cli"].hooks
    const document = { hooks: { disabled: ["old-hook"], enabled: true } }
    const { text } = right(install(gemini, json2(document), commands(gemini)))
    expect(parseObject(text)["hooks"]).toMatchObject(document.hooks)
    expect(right(uninstall(gemini, text)).text).toBe(json2(document))
  })

  it("Codex finds the project inside its git work tree", () => {
    const codex = AGENTS.codex.hooks
    const e = codex.events[0]
    if (e === undefined) throw new Error("no events")
    expect(codex.command(e, { projectInGit: "" })).toBe(
      'node "$(git rev-parse --show-toplevel 2>/dev/null || pwd)/.agents/myco-run.cjs" SessionStart --agent codex'
    )
    expect(codex.command(e, { projectInGit: "packages/a $b" })).toContain('|| pwd)/packages/a \\$b/.agents/myco-run.cjs"')
  })
})

// ---------------------------------------------------------------------------------------------
// The CLI

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-hooks-")
})
afterEach(() => {
  project.cleanup()
})

const run = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = project.env) => myco(args, { cwd: project.dir, env })
const at = (relative: string) => path.join(project.dir, relative)
const read = (relative: string) => fs.readFileSync(at(relative), "utf8")
const write = (relative: string, text: string) => {
  fs.mkdirSync(path.dirname(at(relative)), { recursive: true })
  fs.writeFileSync(at(relative), text)
}
const initVault = () => expect(run(["init"]).status).toBe(0)
const installReport = (...agents: ReadonlyArray<HookAgent>) => {
  const result = run(["hooks", "install", ...agents.flatMap((a) => ["--agent", a]), "--json"])
  if (result.status !== 0) throw new Error(`install exited ${result.status}: ${result.stderr}`)
  return Schema.decodeUnknownSync(HooksChangeReport)(JSON.parse(result.stdout))
}

describe.each(HOOK_AGENTS)("myco hooks install --agent %s", (agent) => {
  const spec = AGENTS[agent].hooks

  it("writes the guard and the config into an empty project; a second install changes nothing", () => {
    initVault()
    const report = installReport(agent)
    expect(report.project).toBe(project.dir)
    expect(report.guard.action).toBe("created")
    expect(report.agents).toEqual([
      { agent, config: spec.configPath, action: "created", events: spec.events.map((e) => ({ name: e.name, async: e.async })) }
    ])
    expect(fs.statSync(at(GUARD_PATH)).mode & 0o777).toBe(0o755)
    const text = read(spec.configPath)
    expect(Object.keys(hooksOf(text))).toEqual(spec.events.map((e) => e.name))
    expect(commandStrings(parseObject(text)).every((c) => c.includes(`.agents/myco-run.cjs`) && c.endsWith(`--agent ${agent}`))).toBe(true)

    const again = installReport(agent)
    expect(again.guard.action).toBe("unchanged")
    expect(again.agents[0]?.action).toBe("unchanged")
    expect(read(spec.configPath)).toBe(text)
  })

  it("merges with the user's own hooks and uninstalls back to their file, byte for byte", () => {
    initVault()
    const original = json2(userDocument(spec))
    write(spec.configPath, original)
    expect(installReport(agent).agents[0]?.action).toBe("updated")
    const hooks = hooksOf(read(spec.configPath))
    expect(hooks[otherEvent[agent] ?? "none"]).toEqual([userEntry(spec, "./scripts/guard-shell.sh")])
    expect(hooks[firstEvent(spec)]?.[0]).toEqual(userEntry(spec, "./scripts/lint.sh"))

    const result = run(["hooks", "uninstall", "--agent", agent])
    expect(result.status).toBe(0)
    expect(result.stdout).toContain(`removed myco's hooks from ${spec.configPath}`)
    expect(read(spec.configPath)).toBe(original)
    // Nothing runs the guard any more: it goes too.
    expect(fs.existsSync(at(GUARD_PATH))).toBe(false)
  })

  it("reports a malformed config with exit 65 and writes nothing", () => {
    initVault()
    const broken = '{\n  "hooks": {\n'
    write(spec.configPath, broken)
    const result = run(["hooks", "install", "--agent", agent])
    expect(result.status).toBe(65)
    expect(result.stderr).toContain(`${at(spec.configPath)}: not valid JSON`)
    expect(result.stderr).toContain("nothing was written")
    expect(read(spec.configPath)).toBe(broken)
    expect(fs.existsSync(at(GUARD_PATH))).toBe(false)
  })
})

describe("myco hooks", () => {
  it("validates agent names, with the valid ones in the message", () => {
    initVault()
    const wrong = run(["hooks", "install", "--agent", "claude"])
    expect(wrong.status).toBe(64)
    expect(wrong.stdout + wrong.stderr).toContain(HOOK_AGENTS.join(", "))
    const none = run(["hooks", "install"])
    expect(none.status).toBe(64)
    expect(none.stderr).toContain("--agent claude-code")
  })

  it("needs a vault", () => {
    const result = run(["hooks", "install", "--agent", "cursor"])
    expect(result.status).toBe(78)
    expect(result.stderr).toContain("myco init")
    expect(fs.existsSync(at(".cursor"))).toBe(false)
  })

  it("installs several agents at once, writing nothing when one of their configs is malformed", () => {
    initVault()
    write(".cursor/hooks.json", '{ "version": 1, "hooks": { "postToolUse": "oops" } }')
    const result = run(["hooks", "install", "--agent", "claude-code", "--agent", "cursor"])
    expect(result.status).toBe(65)
    expect(result.stderr).toContain(".cursor/hooks.json: `hooks.postToolUse` is not a list")
    expect(fs.existsSync(at(".claude/settings.json"))).toBe(false)

    fs.rmSync(at(".cursor"), { recursive: true })
    const report = installReport("claude-code", "cursor", "claude-code")
    expect(report.agents.map((a) => [a.agent, a.action])).toEqual([
      ["claude-code", "created"],
      ["cursor", "created"]
    ])
  })

  it("uninstall keeps the guard while another agent runs it; --all removes everything myco wrote", () => {
    initVault()
    installReport("claude-code", "windsurf")
    const one = run(["hooks", "uninstall", "--agent", "claude-code"])
    expect(one.status).toBe(0)
    expect(one.stdout).toContain("removed .claude/settings.json (it held only myco's hooks)")
    expect(one.stdout).toContain("kept (other agents still run it)")
    expect(fs.existsSync(at(".claude/settings.json"))).toBe(false)
    expect(fs.existsSync(at(GUARD_PATH))).toBe(true)

    expect(run(["hooks", "uninstall", "--all"]).status).toBe(0)
    expect(fs.existsSync(at(".windsurf/hooks.json"))).toBe(false)
    expect(fs.existsSync(at(".agents"))).toBe(false)
    expect(run(["hooks", "uninstall"]).status).toBe(64)
  })

  it("status says which agents have myco's hooks and what the guard runs", () => {
    initVault()
    installReport("codex")
    write(".claude/settings.json", json2({ hooks: { PreToolUse: [userEntry(AGENTS["claude-code"].hooks, "x")] } }))
    write(".cursor/hooks.json", "nope")
    const hook = at("fake-hook.cjs")
    fs.writeFileSync(hook, "process.exit(0)\n")
    const result = run(["hooks", "status", "--json"], { ...project.env, MYCO_HOOK: hook })
    expect(result.status).toBe(0)
    const status = Schema.decodeUnknownSync(HooksStatusReport)(JSON.parse(result.stdout))
    expect(status.guard).toMatchObject({ path: GUARD_PATH, present: true, hook, error: null })
    expect(status.guard.installedBy).toBe(path.join(repoRoot, "dist", "myco-hook.cjs"))
    const states = Object.fromEntries(status.agents.map((a) => [a.agent, a.state]))
    expect(states).toEqual({
      "claude-code": "not-installed",
      codex: "installed",
      cursor: "malformed",
      "gemini-cli": "no-config",
      "vscode-copilot": "no-config",
      windsurf: "no-config"
    })
    const text = run(["hooks", "status"], { ...project.env, MYCO_HOOK: hook })
    expect(text.stdout).toMatch(/codex\s+installed\s+\.codex\/hooks\.json\s+9 hooks/)
    expect(text.stdout).toContain(`guard .agents/myco-run.cjs: present, runs ${hook}`)
  })
})

// ---------------------------------------------------------------------------------------------
// The guard

describe("the guard", () => {
  /** A project holding a guard whose baked-in myco is `installedHook`. */
  const writeGuardFile = (installedHook: string) => write(GUARD_PATH, guardSource(installedHook))
  const guard = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, cwd = "/") =>
    spawnSync(process.execPath, [at(GUARD_PATH), ...args], { cwd, env, encoding: "utf8" })
  /** A stand-in hook bundle that prints what it was run with, then exits as the real one does. */
  const printingHook = () => {
    const file = at("print-hook.cjs")
    fs.writeFileSync(
      file,
      'process.stdout.write(JSON.stringify({ pid: process.pid, argv: process.argv.slice(2), main: require.main.filename }))\nprocess.exit(0)\n'
    )
    return file
  }
  const printed = (stdout: string) =>
    Schema.decodeUnknownSync(
      Schema.parseJson(Schema.Struct({ pid: Schema.Number, argv: Schema.Array(Schema.String), main: Schema.String }))
    )(stdout)

  it("exits 0 without a word when no myco hook bundle is found", () => {
    writeGuardFile(at("not-installed/myco-hook.cjs"))
    const result = guard(["Foo", "--agent", "claude-code"], { ...project.env, MYCO_HOOK: at("nowhere/myco-hook.cjs") })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe("")
    expect(result.stderr).toBe("")
  })

  it("runs the hook in its own process, with the project's vault added to its arguments", () => {
    writeGuardFile(at("not-installed/myco-hook.cjs"))
    const hook = printingHook()
    const result = guard(["PostToolUse", "--agent", "claude-code"], { ...project.env, MYCO_HOOK: hook })
    expect(result.status).toBe(0)
    const seen = printed(result.stdout)
    // Same pid as the process spawned: one Node start, not two.
    expect(seen.pid).toBe(result.pid)
    expect(seen.main).toBe(at(GUARD_PATH))
    expect(seen.argv).toEqual(["PostToolUse", "--agent", "claude-code", "--vault", at(".myco")])
  })

  it("keeps a JSON payload last (Codex notify) and never adds a second --vault", () => {
    writeGuardFile(at("not-installed/myco-hook.cjs"))
    const env = { ...project.env, MYCO_HOOK: printingHook() }
    const notify = printed(guard(["notify", "--agent", "codex", '{"type":"agent-turn-complete"}'], env).stdout)
    expect(notify.argv).toEqual(["notify", "--agent", "codex", "--vault", at(".myco"), '{"type":"agent-turn-complete"}'])
    const own = printed(guard(["Stop", "--agent", "cursor", "--vault", "/elsewhere"], env).stdout)
    expect(own.argv).toEqual(["Stop", "--agent", "cursor", "--vault", "/elsewhere"])
  })

  it("falls back from MYCO_HOOK to the installing myco's bundle, then to node_modules/myco", () => {
    const baked = printingHook()
    writeGuardFile(baked)
    const env = { ...project.env, MYCO_HOOK: "" }
    expect(guard([RESOLVE_FLAG], env).stdout).toBe(`${baked}\n`)
    fs.rmSync(baked)
    const local = at("node_modules/myco/dist/myco-hook.cjs")
    fs.mkdirSync(path.dirname(local), { recursive: true })
    fs.writeFileSync(local, "process.exit(0)\n")
    expect(guard([RESOLVE_FLAG], env).stdout).toBe(`${local}\n`)
    // A relative MYCO_HOOK is not trusted (the agent's cwd is anyone's guess).
    expect(guard([RESOLVE_FLAG], { ...env, MYCO_HOOK: "print-hook.cjs" }).stdout).toBe(`${local}\n`)
  })

  it("turns a crashing hook into exit 0 with the reason on stderr", () => {
    writeGuardFile(at("not-installed/myco-hook.cjs"))
    for (const [name, source] of [
      ["sync.cjs", 'throw new Error("broken at load")\n'],
      ["async.cjs", 'setTimeout(() => { throw new Error("broken later") }, 5)\n']
    ] as const) {
      fs.writeFileSync(at(name), source)
      const result = guard(["Stop", "--agent", "codex"], { ...project.env, MYCO_HOOK: at(name) })
      expect(result.status).toBe(0)
      expect(result.stderr).toMatch(/^myco-run: Error: broken (at load|later)/)
    }
  })

  it("is written by install with this myco's hook bundle baked in", () => {
    initVault()
    installReport("cursor")
    const text = read(GUARD_PATH)
    expect(text.startsWith("#!/usr/bin/env node\n")).toBe(true)
    expect(bakedHookPath(text)).toBe(path.join(repoRoot, "dist", "myco-hook.cjs"))
  })
})

// ---------------------------------------------------------------------------------------------
// myco doctor

describe("myco doctor on hooks", () => {
  const doctor = (env: NodeJS.ProcessEnv, ...args: Array<string>) => {
    const result = run(["doctor", "--json", ...args], env)
    return { status: result.status, checks: Schema.decodeUnknownSync(Schema.Array(CheckResult))(JSON.parse(result.stdout)) }
  }
  const byName = (list: ReadonlyArray<CheckResult>, name: string) => {
    const found = list.find((c) => c.check === name)
    if (found === undefined) throw new Error(`no check ${name} in ${list.map((c) => c.check).join(", ")}`)
    return found
  }
  const withHook = () => {
    const hook = at("fake-hook.cjs")
    fs.writeFileSync(hook, "process.exit(0)\n")
    return { ...project.env, MYCO_HOOK: hook }
  }

  it("says no hooks are installed in a fresh vault", () => {
    initVault()
    const { checks } = doctor(project.env)
    expect(byName(checks, "hooks")).toMatchObject({ status: "ok" })
    expect(checks.some((c) => c.check.startsWith("hooks ") || c.check === "hook guard")).toBe(false)
  })

  it("reports a missing guard and broken entries, and --fix repairs only the agents that were installed", () => {
    initVault()
    const env = withHook()
    const claude = AGENTS["claude-code"].hooks
    const userHooks = json2({ hooks: { PreToolUse: [userEntry(claude, "./check.sh")] } })
    write(claude.configPath, userHooks)
    installReport("claude-code")
    const healthy = doctor(env)
    expect(healthy.status).toBe(0)
    expect(byName(healthy.checks, "hooks claude-code").status).toBe("ok")
    expect(byName(healthy.checks, "hook guard")).toMatchObject({ status: "ok", detail: `${GUARD_PATH} runs ${env.MYCO_HOOK}` })

    // Break it: no guard, one entry for the wrong agent, one event gone.
    fs.rmSync(at(GUARD_PATH))
    const settings = read(claude.configPath)
      .replace('.cjs\\" Stop --agent claude-code', '.cjs\\" Stop --agent someone-else')
      .replace(/,\n {4}"SessionEnd": \[[\s\S]*?\n {4}\]/, "")
    write(claude.configPath, settings)
    const broken = doctor(env)
    expect(broken.status).toBe(78)
    expect(byName(broken.checks, "hook guard")).toMatchObject({ status: "fail", fix: "myco doctor --fix" })
    expect(byName(broken.checks, "hook guard").detail).toContain("the hooks of claude-code run it")
    const entries = byName(broken.checks, "hooks claude-code")
    expect(entries.status).toBe("warn")
    expect(entries.detail).toContain("missing SessionEnd")
    expect(entries.detail).toContain("not as myco installs them: Stop")

    const fixed = run(["doctor", "--fix"], env)
    expect(fixed.status).toBe(0)
    expect(fixed.stdout).toContain("fixed hook guard: created .agents/myco-run.cjs")
    expect(fixed.stdout).toContain("fixed hooks claude-code: reinstalled myco's hooks in .claude/settings.json")
    const after = doctor(env)
    expect(after.status).toBe(0)
    expect(after.checks.filter((c) => c.check.startsWith("hook")).every((c) => c.status === "ok")).toBe(true)
    // The user's hooks are still there; no other agent got hooks.
    expect(hooksOf(read(claude.configPath))["PreToolUse"]).toEqual([userEntry(claude, "./check.sh")])
    for (const other of HOOK_AGENTS.filter((a) => a !== "claude-code")) {
      expect(fs.existsSync(at(AGENTS[other].hooks.configPath)), other).toBe(false)
    }
  })

  it("fails on a malformed config it cannot repair, and leaves it alone", () => {
    initVault()
    const env = withHook()
    installReport("gemini-cli")
    const broken = read(".gemini/settings.json").replace('"AfterTool": [', '"AfterTool": 3, "Later": [')
    write(".gemini/settings.json", broken)
    // A broken config of an agent myco was never installed for is not myco's business.
    write(".cursor/hooks.json", "{ nope")
    const { status, checks } = doctor(env, "--fix")
    expect(status).toBe(65)
    expect(byName(checks, "hooks gemini-cli")).toMatchObject({ status: "fail" })
    expect(byName(checks, "hooks gemini-cli").detail).toContain("hooks.AfterTool")
    expect(checks.some((c) => c.check === "hooks cursor")).toBe(false)
    expect(read(".gemini/settings.json")).toBe(broken)
  })

  it("warns when the guard finds no hook bundle", () => {
    initVault()
    installReport("windsurf")
    write(GUARD_PATH, guardSource(at("gone/myco-hook.cjs")))
    const { checks } = doctor({ ...project.env, MYCO_HOOK: "" })
    expect(byName(checks, "hook guard").status).toBe("warn")
    expect(byName(checks, "hook guard").detail).toContain("finds no myco hook bundle")
  })
})
