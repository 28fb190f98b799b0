#!/usr/bin/env node
// Starts a bundled myco binary with a V8 code cache, so that a command does not pay for compiling
// the whole bundle on every start (Node 20 has no built-in compile cache). The cache is made at
// build time; if this Node rejects it (another V8 version), it is rebuilt at exit. Failing to
// read or write the cache only costs speed, never correctness.
"use strict"
const fs = require("node:fs")
const path = require("node:path")
const vm = require("node:vm")
const Module = require("node:module")

const args = process.argv.slice(2)

// `myco hook ...` is the hook binary: run it without loading the CLI at all.
if (args[0] === "hook") {
  process.argv.splice(2, 1)
  require("./myco-hook.cjs")
  return
}

/** Runs the CLI's bundle, from its code cache when this Node accepts it. */
const runBundle = () => {
  const bundle = path.join(__dirname, "__BUNDLE__")
  const cacheFile = `${bundle}.cache`
  const source = fs.readFileSync(bundle, "utf8")
  let cachedData
  try {
    cachedData = fs.readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData })
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once("exit", () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`
        fs.writeFileSync(tmp, script.createCachedData())
        // Part of the install, not of a vault: readable by whoever runs this myco (the CLI's umask is 077).
        fs.chmodSync(tmp, 0o644)
        fs.renameSync(tmp, cacheFile)
      } catch {
        // A read-only install keeps working without a cache.
      }
    })
  }
  const bundleModule = new Module(bundle, module)
  bundleModule.filename = bundle
  bundleModule.paths = Module._nodeModulePaths(path.dirname(bundle))
  script.runInThisContext()(
    bundleModule.exports,
    (id) => bundleModule.require(id),
    bundleModule,
    bundle,
    path.dirname(bundle)
  )
}

// Once the command is done and the event loop is empty, exit at once instead of tearing the heap
// down (a few ms): output is flushed by then, and 'exit' handlers (the cache writer) still run.
process.once("beforeExit", () => process.exit())

// The read commands, which users and scripts call most, go to the read path first (src/read/): a
// small bundle without Effect that answers them as the CLI would, or declines, having written
// nothing, for the CLI to run them. MYCO_READ_PATH=off sends them straight to the CLI.
const readCommand = args[0] === "status" || (args[0] === "session" && (args[1] === "list" || args[1] === "show"))
const readPath = path.join(__dirname, "myco-read.cjs")
if (readCommand && process.env.MYCO_READ_PATH !== "off" && fs.existsSync(readPath)) {
  require(readPath)
    .run(args)
    .then(
      (answered) => {
        if (!answered) runBundle()
      },
      (error) => {
        // A bug in the read path: say so, and let the CLI answer (the read path writes only once it has its answer).
        process.stderr.write(`myco: internal error in the read path (a bug in myco; please report it); the full CLI answers instead:\n${error && error.stack ? error.stack : String(error)}\n`)
        runBundle()
      }
    )
} else {
  runBundle()
}
