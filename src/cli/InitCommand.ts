/** `myco init`: create the vault in a project (idempotent, never clobbers). */
import * as fs from "node:fs"
import * as path from "node:path"
import { Command } from "@effect/cli"
import { Effect, Either, Layer, Option, Schema } from "effect"
import { layerDatabase } from "../store/sqlite/Database.js"
import { defaultConfig } from "../vault/Config.js"
import { initVault } from "../vault/Init.js"
import { vaultDirOf, vaultPaths } from "../vault/Vault.js"
import { loadConfig } from "../vault/VaultContext.js"
import { jsonOption, vaultOption } from "./Common.js"
import { Output } from "./Output.js"

const InitReport = Schema.Struct({
  vault: Schema.String,
  created: Schema.Array(Schema.String),
  existing: Schema.Array(Schema.String),
  configError: Schema.NullOr(Schema.String)
})

/** `myco init`. */
export const initCommand = Command.make("init", { vault: vaultOption, json: jsonOption }, (o) =>
  Effect.gen(function* () {
    const out = yield* Output
    const paths = vaultPaths(vaultDirOf(Option.getOrElse(o.vault, () => process.cwd())))
    const changes = yield* initVault(paths)
    // An existing invalid myco.yaml is reported, never overwritten; the rest of the vault is made.
    const config = yield* Effect.either(loadConfig(paths, { env: process.env }))
    const store = Either.getOrElse(config, () => defaultConfig).store
    const dbExisted = fs.existsSync(paths.db)
    yield* Effect.scoped(
      Layer.build(
        layerDatabase({
          filename: paths.db,
          busyTimeoutMs: store.busy_timeout_ms,
          retry: { attempts: store.retry_attempts, baseDelayMs: store.retry_base_delay_ms },
          migrate: true
        })
      )
    )
    const created = dbExisted ? changes.created : [...changes.created, paths.db]
    const report = {
      vault: paths.dir,
      created,
      existing: dbExisted ? [...changes.existing, paths.db] : changes.existing,
      configError: Either.isLeft(config) ? config.left.message : null
    }
    if (o.json) {
      yield* out.json(Schema.encodeSync(InitReport)(report))
    } else {
      const rel = (p: string) => path.relative(paths.root, p) || "."
      yield* out.line(
        created.length === 0 ? `vault ${paths.dir} is already initialised` : `initialised vault ${paths.dir}`
      )
      for (const p of created) yield* out.line(`  created ${rel(p)}`)
      if (created.length > 0) yield* out.line("next: `myco doctor` to check it, `myco session create` to try it")
    }
    if (Either.isLeft(config)) return yield* config.left
  })
).pipe(Command.withDescription("create the vault (.myco/) in the project directory; safe to run again"))
