/**
 * A writer process for the multi-process concurrency test: it opens the vault through the real
 * lifecycle service and store, then (1) creates and walks its own sessions to archived, and
 * (2) competes with the other writers for transitions on shared sessions. It prints one JSON line:
 * how many shared transitions it won and lost.
 *
 *   node --import tsx test/support/writer.ts <vault dir> <writer id> <own sessions> <shared rounds>
 */
import { Effect, Either, Layer } from "effect"
import { SessionId } from "../../src/domain/Ids.js"
import type { TransitionCommand } from "../../src/domain/Session.js"
import { layerDirect, SessionLifecycle } from "../../src/session/Lifecycle.js"
import { layerWatchHub } from "../../src/session/WatchHub.js"
import { layerDatabase } from "../../src/store/sqlite/Database.js"
import { layerSessionStore } from "../../src/store/sqlite/SessionStore.js"
import { layerVaultContext, VaultContext } from "../../src/vault/VaultContext.js"
import { AgentName } from "../../src/domain/Ids.js"

const [vaultDir, writer, ownCount, sharedRounds] = process.argv.slice(2)
if (vaultDir === undefined || writer === undefined) throw new Error("usage: writer.ts <vault> <id> <own> <rounds>")

const context = layerVaultContext({ flag: vaultDir, cwd: vaultDir, env: undefined }, process.env)
const database = Layer.unwrapEffect(
  Effect.map(VaultContext, (v) =>
    layerDatabase({ filename: v.paths.db, busyTimeoutMs: 5000, retry: { attempts: 20, baseDelayMs: 5 }, migrate: true })
  )
).pipe(Layer.provide(context))
const layer = layerDirect.pipe(Layer.provide(layerWatchHub), Layer.provide(layerSessionStore), Layer.provide(database), Layer.provide(context))

const program = Effect.gen(function* () {
  const lifecycle = yield* SessionLifecycle
  for (let i = 0; i < Number(ownCount); i++) {
    const id = SessionId.make(`w${writer}-${i}`)
    yield* lifecycle.create({ agent: AgentName.make("cli"), id, actor: `writer-${writer}` })
    for (const command of ["complete", "process", "archive"] as const) {
      yield* lifecycle.transition(id, command, { actor: `writer-${writer}` })
    }
  }
  let won = 0
  let lost = 0
  // Shared sessions flip between active and completed; every writer tries every flip.
  for (let round = 0; round < Number(sharedRounds); round++) {
    for (const shared of ["shared-0", "shared-1"]) {
      const id = SessionId.make(shared)
      const current = yield* lifecycle.get(id)
      const command: TransitionCommand = current.status === "active" ? "complete" : "reopen"
      const result = yield* Effect.either(lifecycle.transition(id, command, { actor: `writer-${writer}` }))
      if (Either.isRight(result)) won++
      else if (result.left._tag === "VersionConflict" || result.left._tag === "InvalidTransition") lost++
      else return yield* Effect.fail(result.left)
    }
  }
  process.stdout.write(`${JSON.stringify({ writer, won, lost })}\n`)
})

Effect.runPromise(Effect.provide(program, layer)).catch((error: unknown) => {
  process.stderr.write(`writer ${writer} failed: ${String(error)}\n`)
  process.exitCode = 1
})
