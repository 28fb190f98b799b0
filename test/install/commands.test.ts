/**
 * The hook commands myco installs, run as the agents run them: `sh -c <command>` in a project
 * whose path holds a space, a single quote, a double quote and a dollar sign, with what each agent
 * gives its hooks (CLAUDE_PROJECT_DIR; GEMINI_PROJECT_DIR, and Gemini's own replacement of
 * `$GEMINI_PROJECT_DIR` in the text, shell-quoted as current versions do or raw as older ones did;
 * the project as the working directory for the others; for Codex, a git work tree too). Each one
 * must reach the guard and, through it, the real hook, which spools the event into the vault.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { AGENTS } from "../../src/agents/index.js"
import { HOOK_AGENTS, type HookAgent } from "../../src/install/HookConfig.js"
import { myco, type TempProject } from "../support/cli.js"

/** A project directory whose path a shell would split or expand if it were not quoted. */
const awkwardProject = (parent?: string): TempProject => {
  const base = parent ?? fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-quote-")))
  const dir = path.join(base, `my proj 'single' "double" $HOME`)
  fs.mkdirSync(dir, { recursive: true })
  const env: NodeJS.ProcessEnv = { ...process.env, MYCO_HOME: path.join(base, ".home"), XDG_STATE_HOME: path.join(base, ".state"), MYCO_VAULT_DIR: "", MYCO_HOOK_AUTOSTART: "0", MYCO_HOOK: "" }
  return { dir, env, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) }
}

const projects: Array<TempProject> = []
afterEach(() => {
  for (const p of projects.splice(0)) p.cleanup()
})

/** Every installed command string of the agent's config, by event. */
const installedCommands = (project: TempProject, agent: HookAgent): ReadonlyArray<string> => {
  const text = fs.readFileSync(path.join(project.dir, ...AGENTS[agent].hooks.configPath.split("/")), "utf8")
  const commands: Array<string> = []
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect)
    else if (typeof value === "object" && value !== null)
      for (const [key, v] of Object.entries(value)) key === "command" && typeof v === "string" ? commands.push(v) : collect(v)
  }
  collect(Schema.decodeUnknownSync(Schema.parseJson())(text))
  return commands
}

/** POSIX single quotes, as Gemini's escapeShellArg (shell-quote) gives a path with a single quote. */
const shellQuoted = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

const spooled = (project: TempProject): number => fs.readdirSync(path.join(project.dir, ".myco", "spool")).filter((f) => f.endsWith(".json")).length

/** Runs `command` through `sh -c` as the agent would, with a payload on stdin; the spool must grow by one. */
const runAsAgent = (project: TempProject, command: string, options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv }) => {
  const before = spooled(project)
  const result = spawnSync("/bin/sh", ["-c", command], { ...options, input: "{}", encoding: "utf8", timeout: 30_000 })
  expect(result.status, `${command}\n${result.stderr}`).toBe(0)
  expect(result.stderr, command).toBe("")
  expect(spooled(project), `${command} spooled nothing`).toBe(before + 1)
}

describe("installed hook commands in a project whose path needs quoting", () => {
  it.each(HOOK_AGENTS)("%s: every command reaches the guard and the hook, as the agent runs it", (agent) => {
    const project = awkwardProject()
    projects.push(project)
    const run = (...args: Array<string>) => myco(args, { cwd: project.dir, env: project.env })
    expect(run("init").status).toBe(0)
    const install = run("hooks", "install", "--agent", agent)
    expect(install.status, install.stderr).toBe(0)
    const commands = installedCommands(project, agent)
    expect(commands).toHaveLength(AGENTS[agent].hooks.events.length)
    // Agents run hooks from elsewhere too (a subdirectory, or /): only the ones that run them in
    // the project may rely on it.
    const elsewhere = path.dirname(project.dir)
    for (const command of commands) {
      switch (agent) {
        case "claude-code":
          runAsAgent(project, command, { cwd: elsewhere, env: { ...project.env, CLAUDE_PROJECT_DIR: project.dir } })
          break
        case "gemini-cli":
          for (const expanded of [command, command.replace(/\$GEMINI_PROJECT_DIR/g, shellQuoted(project.dir)), command.replace(/\$GEMINI_PROJECT_DIR/g, project.dir)]) {
            runAsAgent(project, expanded, { cwd: project.dir, env: { ...project.env, GEMINI_PROJECT_DIR: project.dir, CLAUDE_PROJECT_DIR: project.dir } })
          }
          runAsAgent(project, command, { cwd: elsewhere, env: { ...project.env, GEMINI_PROJECT_DIR: project.dir } })
          break
        default:
          runAsAgent(project, command, { cwd: project.dir, env: project.env })
      }
    }
  })

  it("codex: from a subdirectory of a git work tree whose path needs quoting too", () => {
    const git = spawnSync("git", ["--version"])
    if (git.status !== 0) return
    const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "myco-quote-git-")))
    const repo = path.join(base, `repo "x" 'y'`)
    fs.mkdirSync(repo)
    expect(spawnSync("git", ["init", "-q", repo]).status).toBe(0)
    const project = awkwardProject(repo)
    projects.push({ ...project, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) })
    const run = (...args: Array<string>) => myco(args, { cwd: project.dir, env: project.env })
    expect(run("init").status).toBe(0)
    expect(run("hooks", "install", "--agent", "codex").status).toBe(0)
    const sub = path.join(project.dir, "src dir")
    fs.mkdirSync(sub)
    for (const command of installedCommands(project, "codex")) {
      runAsAgent(project, command, { cwd: project.dir, env: project.env })
      runAsAgent(project, command, { cwd: sub, env: project.env })
    }
  })
})
