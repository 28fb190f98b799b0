// Bundles the myco binaries into dist/ with esbuild, then warms each one's V8 code cache.
// Native addons (better-sqlite3's) stay outside: they are loaded from node_modules at run time.
import { build } from "esbuild"
import { execFileSync } from "node:child_process"
import { randomUUID } from "node:crypto"
import { chmod, mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises"
import { tmpdir } from "node:os"
import { fileURLToPath } from "node:url"
import path from "node:path"

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const outdir = path.join(root, "dist")
const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8"))

/** One bundle per binary, so that a lean binary (the hook) never loads the CLI. */
const binaries = [{ name: "myco", entry: "src/cli/main.ts" }]
/**
 * The hook runs on the agent's critical path: it is a single small file with no code cache (it
 * compiles in well under a millisecond) and may use nothing but Node's own modules.
 */
const hook = { name: "myco-hook", entry: "src/hook/main.ts" }
/**
 * The read path (`myco session list|show`, `myco status`), which the launcher tries before it loads
 * the CLI: Effect-free, it may bundle only Node's modules, lean/, read/ and better-sqlite3's
 * JavaScript (its native addon is loaded from node_modules, as the CLI's is).
 */
const read = { name: "myco-read", entry: "src/read/main.ts" }

/**
 * Stamped into every bundle of this build: what one build found (a valid myco.yaml, see
 * src/lean/ConfigCache.ts) is trusted by the same build's read path only.
 */
const define = { __MYCO_VERSION__: JSON.stringify(pkg.version), __MYCO_BUILD__: JSON.stringify(randomUUID()) }

await rm(outdir, { recursive: true, force: true })
await mkdir(outdir, { recursive: true })
const launcher = await readFile(path.join(root, "scripts/launcher.cjs"), "utf8")
for (const bin of binaries) {
  await build({
    absWorkingDir: root,
    entryPoints: [bin.entry],
    outfile: path.join(outdir, `${bin.name}.bundle.cjs`),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    treeShaking: true,
    legalComments: "none",
    // better-sqlite3's JavaScript is bundled, so that it is code-cached with the rest; only its
    // native addon is loaded from node_modules at run time (scripts/sqlite-addon.cjs).
    // jsonc-parser's `main` is a UMD build whose requires esbuild cannot follow: bundle its ESM build.
    alias: { bindings: "./scripts/sqlite-addon.cjs", "jsonc-parser": "./node_modules/jsonc-parser/lib/esm/main.js" },
    define,
    logLevel: "warning"
  })
  const launcherFile = path.join(outdir, `${bin.name}.cjs`)
  await writeFile(launcherFile, launcher.replace("__BUNDLE__", `${bin.name}.bundle.cjs`))
  await chmod(launcherFile, 0o755)
}

/** A small bundle of its own (the hook, the read path): minified, with its metafile for the checks below. */
const leanBundle = (bin, options) =>
  build({
    absWorkingDir: root,
    entryPoints: [bin.entry],
    outfile: path.join(outdir, `${bin.name}.cjs`),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "none",
    metafile: true,
    logLevel: "warning",
    ...options
  })

const hookBuild = await leanBundle(hook, { banner: { js: "#!/usr/bin/env node" } })
// The hook may bundle only Node's modules, the Effect-free lean/ and, of agents/, their replies
// (not their contracts: test/architecture checks the arrows).
const leanRoots = ["src/hook/", "src/lean/", "src/agents/replies.ts"]
const isLean = (input) => leanRoots.some((root) => input.startsWith(root)) || /^src\/agents\/[a-z0-9-]+\/reply\.ts$/.test(input)
const heavy = Object.keys(hookBuild.metafile.inputs).filter((input) => !isLean(input))
if (heavy.length > 0) throw new Error(`the hook must stay lean, but it bundles: ${heavy.join(", ")}`)
await chmod(path.join(outdir, `${hook.name}.cjs`), 0o755)

const readBuild = await leanBundle(read, { alias: { bindings: "./scripts/sqlite-addon.cjs" }, define })
const readRoots = ["src/read/", "src/lean/", "scripts/sqlite-addon.cjs"]
const readHeavy = Object.keys(readBuild.metafile.inputs).filter(
  // node_modules may be a link, so better-sqlite3's files are known by their package folder.
  (input) => !readRoots.some((root) => input.startsWith(root)) && !/(^|\/)node_modules\/better-sqlite3\/lib\//.test(input)
)
if (readHeavy.length > 0) throw new Error(`the read path must stay Effect-free, but it bundles: ${readHeavy.join(", ")}`)

// Warm the CLI's code cache with a representative command, in a throw-away vault.
const scratch = await mkdtemp(path.join(tmpdir(), "myco-build-"))
try {
  const env = { ...process.env, MYCO_HOME: path.join(scratch, "home") }
  const myco = path.join(outdir, "myco.cjs")
  execFileSync(process.execPath, [myco, "init", "--vault", scratch], { env, stdio: "ignore" })
  execFileSync(process.execPath, [myco, "session", "list", "--json", "--vault", scratch], { env, stdio: "ignore" })
} finally {
  await rm(scratch, { recursive: true, force: true })
}
