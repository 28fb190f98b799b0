/**
 * `npm run bench`: runs every benchmark (scripts/bench-*.ts) one after the other, each in its own
 * process so that one does not warm or load the next, streams their output, and ends with one
 * JSON line that gathers each benchmark's own final JSON line.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

const scripts = path.dirname(new URL(import.meta.url).pathname)
const benches = fs
  .readdirSync(scripts)
  .filter((f) => /^bench-.+\.ts$/.test(f))
  .sort()

const results: Array<unknown> = []
let failed = false
for (const file of benches) {
  process.stdout.write(`\n== ${file}\n`)
  const run = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", path.join(scripts, file)], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  process.stdout.write(run.stdout)
  const last = run.stdout.trim().split("\n").pop() ?? ""
  try {
    results.push(JSON.parse(last))
  } catch {
    results.push({ bench: file, error: `no JSON result (exit ${run.status})` })
    failed = true
  }
  if (run.status !== 0) failed = true
}
console.log(JSON.stringify({ bench: "all", results }))
if (failed) process.exitCode = 1
