/**
 * The merge engine on the files users really have: JSON with comments where the agent reads it so
 * (and refused where it does not), trailing commas, CRLF, tabs, odd indentation, one-line
 * containers, a byte-order mark, empty `hooks` and empty event lists. What myco adds must leave
 * every other byte as it was, install then uninstall must give back the very bytes, and a file
 * too deep to parse safely, or with a key twice, is refused with nothing written. The last part
 * runs the real binary on a commented `.gemini/settings.json`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { AGENTS } from "../../src/agents/index.js"
import {
  type AgentHooks,
  HOOK_AGENTS,
  type InstalledEvent,
  inspect,
  install,
  isUpToDate,
  type MalformedConfig,
  type MergeResult,
  uninstall
} from "../../src/install/HookConfig.js"
import { DEFAULT_MAX_JSON_DEPTH } from "../../src/lean/Json.js"
import { myco, tempProject, type TempProject } from "../support/cli.js"

const commands = (spec: AgentHooks) => (e: InstalledEvent) => spec.command(e, { projectInGit: "" })

const right = <A, E extends { readonly message: string }>(either: Either.Either<A, E>): A => {
  if (Either.isLeft(either)) throw new Error(`expected success, got ${either.left.message}`)
  return either.right
}

const installed = (spec: AgentHooks, text: string | undefined): MergeResult => right(install(spec, text, commands(spec)))

/** An event of the agent's that myco does not install, and one that it does. */
const events = (spec: AgentHooks) => ({
  other: { "claude-code": "PreToolUse", codex: "PreToolUse", cursor: "beforeShellExecution", "gemini-cli": "BeforeTool", "vscode-copilot": "PreToolUse", windsurf: "pre_run_command" }[spec.agent] ?? "Other",
  mine: spec.events[0]?.name ?? ""
})

/** A hook of the user's, as JSON text, in the agent's layout. */
const userHook = (spec: AgentHooks, command: string): string =>
  spec.layout === "groups" ? `{ "matcher": "Bash", "hooks": [ { "type": "command", "command": "${command}" } ] }` : `{ "command": "${command}" }`

/** Files of every style that strict JSON allows, each with user content. */
const strictFiles = (spec: AgentHooks): ReadonlyArray<readonly [string, string]> => {
  const { other, mine } = events(spec)
  const head = spec.agent === "cursor" ? `"version": 1, ` : ""
  return [
    ["2 spaces, final newline", `{\n  ${head}"user": { "keep": [1, 2] },\n  "hooks": {\n    "${other}": [\n      ${userHook(spec, "./guard.sh")}\n    ],\n    "${mine}": [\n      ${userHook(spec, "./lint.sh")}\n    ]\n  }\n}\n`],
    ["CRLF and tabs, no final newline", `{\r\n\t${head}"user": true,\r\n\t"hooks": {\r\n\t\t"${mine}": [\r\n\t\t\t${userHook(spec, "./lint.sh")}\r\n\t\t]\r\n\t}\r\n}`],
    ["3 spaces, keys after hooks", `{\n   "hooks": {\n      "${other}": [${userHook(spec, "./a.sh")}]\n   },\n   ${head}"after": "hooks"\n}\n`],
    ["all on one line", `{ ${head}"hooks": { "${mine}": [ ${userHook(spec, "./lint.sh")} ] }, "x": 1 }`],
    ["no hooks yet", `{\n    ${head}"theme": "dark"\n}\n`],
    ["an empty hooks object", `{\n  ${head}"hooks": {},\n  "y": null\n}\n`],
    ["an empty hooks object, spaced", `{ ${head}"hooks": { } }\n`],
    ["an empty list under myco's event", `{\n  ${head}"hooks": {\n    "${mine}": []\n  }\n}\n`],
    ["a byte-order mark", `\uFEFF{\n  ${head}"a": "b"\n}\n`],
    ["hugging brackets", `{\n  ${head}"hooks": {\n    "${mine}": [${userHook(spec, "./x.sh")},\n      ${userHook(spec, "./y.sh")}]\n  }\n}\n`]
  ]
}

/** Files with comments, each with user content (for agents that read JSON with comments). */
const commentedFiles = (spec: AgentHooks): ReadonlyArray<readonly [string, string]> => {
  const { other, mine } = events(spec)
  return [
    [
      "comments everywhere",
      `// project settings\n{\n  // who may do what\n  "permissions": { "allow": ["Bash(ls)"] }, // trailing note\n  /* the hooks */\n  "hooks": {\n    "${other}": [\n      ${userHook(spec, "./guard.sh")} // mine\n    ],\n    "${mine}": [\n      ${userHook(spec, "./lint.sh")} // runs first\n      // end of list\n    ]\n  } /* after hooks */\n}\n// the end\n`
    ],
    ["a comment as the last line inside hooks", `{\n  "hooks": {\n    "${other}": [${userHook(spec, "./a.sh")}]\n    // more to come\n  }\n}\n`],
    ["a block comment in an empty list", `{\n  "hooks": { "${mine}": [ /* nothing yet */ ] }\n}\n`],
    ["comments and CRLF", `{\r\n  // general\r\n  "general": { "vimMode": true }\r\n}\r\n`]
  ]
}

/** Files with trailing commas (for agents that accept them). */
const trailingCommaFiles = (spec: AgentHooks): ReadonlyArray<readonly [string, string]> => {
  const { other, mine } = events(spec)
  return [
    ["trailing commas", `{\n  "hooks": {\n    "${other}": [\n      ${userHook(spec, "./a.sh")},\n    ],\n    "${mine}": [\n      ${userHook(spec, "./b.sh")},\n    ],\n  },\n}\n`],
    ["trailing comma after a commented entry", `{\n  "hooks": {\n    "${mine}": [\n      ${userHook(spec, "./b.sh")}, // mine\n    ],\n  },\n}\n`]
  ]
}

const filesFor = (spec: AgentHooks): ReadonlyArray<readonly [string, string]> => [
  ...strictFiles(spec),
  ...(spec.format === "jsonc" ? commentedFiles(spec) : []),
  ...(spec.format === "jsonc" && spec.trailingCommas ? trailingCommaFiles(spec) : [])
]

/** Whether `small` is `big` with some characters taken out: every byte of it kept, in order. */
const isSubsequence = (small: string, big: string): boolean => {
  let i = 0
  for (let j = 0; j < big.length && i < small.length; j++) if (big[j] === small[i]) i++
  return i === small.length
}

describe.each(HOOK_AGENTS)("the %s config, as the user wrote it", (agent) => {
  const spec = AGENTS[agent].hooks
  const cmd = commands(spec)

  it.each(filesFor(spec))("%s: install keeps every byte, is current and idempotent; uninstall gives the bytes back", (_name, original) => {
    const once = installed(spec, original)
    expect(once.changed).toBe(true)
    const text = once.text ?? ""
    // Only additions: every byte of the user's file is still there, in order.
    expect(isSubsequence(original, text)).toBe(true)
    expect(isUpToDate(right(inspect(spec, text, cmd)))).toBe(true)
    expect(text.includes("\r\n")).toBe(original.includes("\r\n"))
    if (!original.includes("\r\n")) expect(text.includes("\r")).toBe(false)
    expect(installed(spec, text)).toEqual({ text, changed: false })
    expect(right(uninstall(spec, text))).toEqual({ text: original, changed: true })
  })

  it("rewrites an outdated entry of myco's in place, touching nothing before or after it", () => {
    const { mine } = events(spec)
    const old = userHook(spec, `node .agents/myco-run.cjs ${mine} --agent old-name`)
    const before = `{\n  "hooks": {\n    "${mine}": [\n      ${userHook(spec, "./first.sh")},\n      `
    const after = `\n    ]\n  },\n  "tail": 1\n}\n`
    const text = installed(spec, `${before}${old}${after}`).text ?? ""
    expect(text.startsWith(before)).toBe(true)
    expect(text.endsWith(after)).toBe(true)
    expect(isUpToDate(right(inspect(spec, text, cmd)))).toBe(true)
  })

  it("refuses a file nested too deep to parse safely, and one with a key twice, writing nothing", () => {
    const deep = `{ "hooks": {}, "x": ${"[".repeat(DEFAULT_MAX_JSON_DEPTH + 5)}${"]".repeat(DEFAULT_MAX_JSON_DEPTH + 5)} }`
    for (const text of [deep, `{ "hooks": {}, "hooks": {} }`, `{ "hooks": { "${events(spec).mine}": [], "${events(spec).mine}": [] } }`]) {
      const results: ReadonlyArray<Either.Either<unknown, MalformedConfig>> = [
        install(spec, text, cmd),
        inspect(spec, text, cmd),
        uninstall(spec, `${text.slice(0, -1)}, "n": ".agents/myco-run.cjs" }`)
      ]
      for (const result of results) {
        if (Either.isRight(result)) throw new Error(`accepted ${text.slice(0, 60)}`)
        expect(result.left._tag).toBe("MalformedConfig")
      }
    }
    const tooDeep = install(spec, deep, cmd)
    if (Either.isLeft(tooDeep)) expect(tooDeep.left.problem).toContain(`deeper than ${DEFAULT_MAX_JSON_DEPTH} levels`)
  })

  it(spec.format === "jsonc" ? "reads comments, as the agent does" : "refuses comments, which the agent cannot read", () => {
    const text = `{\n  // note\n  "hooks": {}\n}\n`
    const result = install(spec, text, cmd)
    if (spec.format === "jsonc") {
      expect(Either.isRight(result)).toBe(true)
    } else {
      if (Either.isRight(result)) throw new Error("accepted a comment")
      expect(result.left.problem).toContain("not valid JSON")
      expect(result.left.problem).toContain(`${spec.title} reads this file as strict JSON`)
    }
  })

  it(spec.trailingCommas ? "reads trailing commas, as the agent does" : "refuses a trailing comma, which the agent cannot read", () => {
    const result = install(spec, `{\n  "hooks": {},\n}\n`, cmd)
    if (spec.trailingCommas) {
      expect(Either.isRight(result)).toBe(true)
    } else {
      if (Either.isRight(result)) throw new Error("accepted a trailing comma")
      expect(result.left.problem).toMatch(/not valid JSON/)
    }
  })
})

describe("a file of myco's only", () => {
  it("keeps a comment the user added to it: the file stays, without myco's hooks", () => {
    const spec = AGENTS["claude-code"].hooks
    const fresh = installed(spec, undefined).text ?? ""
    const commented = `// keep me\n${fresh}`
    expect(right(uninstall(spec, commented))).toEqual({ text: "// keep me\n{\n}\n", changed: true })
    expect(right(uninstall(spec, fresh))).toEqual({ text: undefined, changed: true })
  })
})

// ---------------------------------------------------------------------------------------------
// The real binary

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-jsonc-")
})
afterEach(() => {
  project.cleanup()
})

describe("myco hooks on a commented .gemini/settings.json", () => {
  it("installs into it and uninstalls back to the very bytes", () => {
    const run = (...args: Array<string>) => myco(args, { cwd: project.dir, env: project.env })
    expect(run("init").status).toBe(0)
    const file = path.join(project.dir, ".gemini", "settings.json")
    const original = `{\n  // Gemini CLI reads this file with comments\n  "general": { "vimMode": true }, // editor\n  /* the user's hooks */\n  "hooks": {\n    "BeforeTool": [\n      { "matcher": "run_shell_command", "hooks": [ { "type": "command", "command": "./guard.sh" } ] },\n    ]\n  }\n}\n`
      .replace("},\n    ]", "}\n    ]")
    fs.mkdirSync(path.dirname(file))
    fs.writeFileSync(file, original)
    const install = run("hooks", "install", "--agent", "gemini-cli")
    expect(install.status, install.stderr).toBe(0)
    const text = fs.readFileSync(file, "utf8")
    expect(isSubsequence(original, text)).toBe(true)
    expect(text).toContain("--agent gemini-cli")
    const status = run("hooks", "status")
    expect(status.stdout).toMatch(/gemini-cli\s+installed/)
    expect(run("hooks", "uninstall", "--agent", "gemini-cli").status).toBe(0)
    expect(fs.readFileSync(file, "utf8")).toBe(original)
  })
})
