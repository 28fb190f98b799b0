/**
 * Run tokens: how a harness process proves which run it is calling tools for. For each run whose
 * harness reaches the gateway from outside the supervisor (`myco mcp --run <id>`, started by the
 * claude-code and process runtimes), the supervisor issues an unguessable token bound to that
 * run's gateway; every ToolCall and ToolList over the socket names the run and its token, and is
 * served only while the pair is known. The token is revoked when the run ends (the scope of
 * `issue` closes, whatever the outcome), so a harness process that outlives its run, or one run's
 * process that learnt another's id, can call nothing.
 *
 * Tokens are 256 random bits; only their SHA-256 is kept, and the run id must match too.
 */
import * as crypto from "node:crypto"
import { Context, Effect, Layer, type Scope } from "effect"
import { RunTokenInvalid } from "../protocol/Protocol.js"
import type { RunGateway } from "./Gateway.js"

export { RunTokenInvalid }

/** The run tokens of one supervisor. */
export interface RunTokensService {
  /** Issues a token for `runId`, bound to `gateway`, revoked when the scope closes. */
  readonly issue: (runId: string, gateway: RunGateway) => Effect.Effect<string, never, Scope.Scope>
  /** The gateway of the run that holds `token`, if it is `runId`'s and still live. */
  readonly lookup: (runId: string, token: string) => Effect.Effect<RunGateway, RunTokenInvalid>
  /** How many tokens are live now. */
  readonly live: Effect.Effect<number>
}

export class RunTokens extends Context.Tag("myco/harness/RunTokens")<RunTokens, RunTokensService>() {}

const digest = (token: string): string => crypto.createHash("sha256").update(token, "utf8").digest("hex")

/** A fresh token store (in memory: tokens never outlive the supervisor that issued them). */
export const makeRunTokens: Effect.Effect<RunTokensService> = Effect.sync(() => {
  const byDigest = new Map<string, { readonly runId: string; readonly gateway: RunGateway }>()
  return {
    issue: (runId, gateway) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const token = crypto.randomBytes(32).toString("base64url")
          byDigest.set(digest(token), { runId, gateway })
          return token
        }),
        (token) => Effect.sync(() => void byDigest.delete(digest(token)))
      ),
    lookup: (runId, token) =>
      Effect.suspend(() => {
        const entry = byDigest.get(digest(token))
        return entry !== undefined && entry.runId === runId ? Effect.succeed(entry.gateway) : Effect.fail(new RunTokenInvalid({ runId }))
      }),
    live: Effect.sync(() => byDigest.size)
  }
})

export const layerRunTokens: Layer.Layer<RunTokens> = Layer.effect(RunTokens, makeRunTokens)
