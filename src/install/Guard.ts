/**
 * The guard, `.agents/myco-run.cjs`: the one file every installed hook command runs. It is
 * committed with the project, so it must work for everyone who clones it:
 * - with myco installed, it runs myco's hook bundle in its own process (`require`, not a second
 *   `node`: one Node start per hook, on the agent's critical path);
 * - without myco, it exits 0 without a word, so that contributors who do not use myco never see
 *   a hook error;
 * - it depends on nothing but Node (>= 18) and never throws.
 *
 * The hook bundle is looked for in this order: `MYCO_HOOK` (an absolute path to a myco-hook.cjs),
 * the bundle of the myco that wrote the guard (its absolute path is written into the guard, so it
 * is machine-specific and simply absent elsewhere), then `<project>/node_modules/myco/dist/`.
 *
 * Contract of the bundle: requiring it runs the hook with `process.argv.slice(2)` as arguments and
 * exits the process itself. The guard adds `--vault <project>/.myco` to them (unless a `--vault`
 * is there already), so that the hook finds the vault even when the agent runs it with cwd=/.
 */
import { Either, Schema } from "effect"

/** With this as its only argument the guard prints the hook bundle it would run, and exits. */
export const RESOLVE_FLAG = "--myco-guard-resolve"

/** The file name of the hook bundle, in myco's dist/. */
export const HOOK_BUNDLE = "myco-hook.cjs"

const BAKED_LINE = /^const INSTALLED_HOOK = (".*")$/m

/**
 * The guard's text. `installedHook` is the absolute path of the hook bundle of the myco that
 * installs it, or null when that myco has none to offer.
 */
export const guardSource = (installedHook: string | null): string => `#!/usr/bin/env node
// myco's capture guard, written by \`myco hooks install\`; commit it with the project.
//
// The coding agents' hook configs run \`node .agents/myco-run.cjs <Event> --agent <name>\`. When
// myco is installed, this runs its hook in this same process; when it is not, it exits 0 without
// a word, so that nobody without myco ever sees a hook fail. Rewritten by \`myco hooks install\`;
// \`myco doctor\` checks it.
"use strict"

// The hook bundle of the myco that wrote this file (absolute, so machine-specific: elsewhere it is
// simply not there, and the other candidates are tried).
const INSTALLED_HOOK = ${JSON.stringify(installedHook ?? "")}

const RESOLVE_FLAG = ${JSON.stringify(RESOLVE_FLAG)}

function fail(error) {
  // Whatever goes wrong, the agent must not fail because of myco: say why, exit 0.
  try {
    process.stderr.write("myco-run: " + String((error && error.stack) || error) + "\\n")
  } catch (_) {
    // stderr is gone: nothing else to do.
  }
  process.exit(0)
}

function main() {
  const fs = require("node:fs")
  const path = require("node:path")
  const project = path.dirname(__dirname)
  const candidates = [
    process.env.MYCO_HOOK,
    INSTALLED_HOOK,
    path.join(project, "node_modules", "myco", "dist", ${JSON.stringify(HOOK_BUNDLE)})
  ]
  let hook
  for (const candidate of candidates) {
    if (typeof candidate !== "string" || candidate === "" || !path.isAbsolute(candidate)) continue
    try {
      if (fs.statSync(candidate).isFile()) {
        hook = candidate
        break
      }
    } catch (_) {
      // Not there: try the next one.
    }
  }
  const args = process.argv.slice(2)
  if (args.length === 1 && args[0] === RESOLVE_FLAG) {
    process.stdout.write(hook === undefined ? "" : hook + "\\n")
    return
  }
  // myco is not installed here: nothing to do, nothing to say.
  if (hook === undefined) return
  if (!args.some((arg) => arg === "--vault" || arg.startsWith("--vault="))) {
    const vault = ["--vault", path.join(project, ".myco")]
    const last = args[args.length - 1]
    // Codex's notify passes its JSON payload as the last argument: keep it last.
    if (last !== undefined && last.trimStart().startsWith("{")) process.argv.splice(process.argv.length - 1, 0, ...vault)
    else process.argv.push(...vault)
  }
  // The hook exits the process itself; should it crash later on, the agent still gets exit 0.
  process.on("uncaughtException", fail)
  require(hook)
}

try {
  main()
} catch (error) {
  fail(error)
}
`

/** The hook bundle path written into a guard's text, or null when there is none or it cannot be read. */
export const bakedHookPath = (guardText: string): string | null => {
  const literal = BAKED_LINE.exec(guardText)?.[1]
  if (literal === undefined) return null
  const decoded = Schema.decodeUnknownEither(Schema.parseJson(Schema.String))(literal)
  return Either.isRight(decoded) && decoded.right !== "" ? decoded.right : null
}
