/**
 * Draining the spool: the events hooks could not deliver. Files are taken in name order (the time
 * the hook started) and submitted one after the other, so that each session keeps its order; a
 * file is removed once its event is committed (or found stored already). A file that is not a
 * hook event is moved to spool/rejected/, never deleted; one that cannot be read now is retried.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Clock, Effect, Either, ParseResult, Schema } from "effect"
import { SPOOL_FILE } from "../lean/Spool.js"
import { HookEvent, type HookEventReply } from "../protocol/Protocol.js"

/** How many spooled events are submitted before waiting for their commits. */
const SPOOL_CHUNK = 256
/** A temporary file older than this was left by a hook that died between writing and renaming. */
const STALE_TEMP_MS = 60_000

const decodeHookEvent = Schema.decodeUnknownEither(HookEvent)

/** A spooled file's event, or why it is not one. */
const decodeSpooled = (text: string): Either.Either<HookEvent, string> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return Either.left(`not JSON: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  return Either.mapLeft(decodeHookEvent(json), (error) => ParseResult.TreeFormatter.formatErrorSync(error).split("\n").slice(0, 3).join(" "))
}

/** Whether a file-system error says the file is not there. */
const isMissing = (error: unknown): boolean => typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

/** Submits one hook event; the inner effect waits for its commit. */
export type SubmitHook = (event: HookEvent) => Effect.Effect<Effect.Effect<HookEventReply, unknown>, { readonly _tag: string }>

/** Moves a spooled file that is not a hook event to spool/rejected/, where doctor reports it. */
const rejectSpooled = (spoolDir: string, file: string, reason: string) =>
  Effect.gen(function* () {
    const rejected = path.join(spoolDir, "rejected")
    const moved = yield* Effect.either(
      Effect.try(() => {
        fs.mkdirSync(rejected, { recursive: true, mode: 0o700 })
        fs.renameSync(file, path.join(rejected, path.basename(file)))
      })
    )
    yield* Effect.logWarning(
      Either.isRight(moved)
        ? `spool: ${path.basename(file)} is not a hook event (${reason}): moved to spool/rejected/`
        : `spool: ${path.basename(file)} is not a hook event (${reason}) and cannot be moved aside: ${String(moved.left.error)}`
    )
  })

/** Drains `spoolDir` once through `submit`. */
export const drainSpool = (spoolDir: string, submit: SubmitHook): Effect.Effect<void> =>
  Effect.gen(function* () {
    const listed = yield* Effect.either(Effect.try(() => fs.readdirSync(spoolDir)))
    if (Either.isLeft(listed)) {
      // No spool directory is an empty spool; anything else is worth saying, and trying again.
      if (!isMissing(listed.left.error)) yield* Effect.logWarning(`spool: cannot list ${spoolDir}: ${String(listed.left.error)}`)
      return
    }
    const names = listed.right
    const now = yield* Clock.currentTimeMillis
    for (const name of names) {
      if (!name.startsWith(".")) continue
      const file = path.join(spoolDir, name)
      const removed = yield* Effect.either(Effect.try(() => (now - fs.statSync(file).mtimeMs > STALE_TEMP_MS ? fs.rmSync(file, { force: true }) : undefined)))
      if (Either.isLeft(removed) && !isMissing(removed.left.error)) {
        yield* Effect.logWarning(`spool: cannot remove the stale ${name}: ${String(removed.left.error)}`)
      }
    }
    const files = names.filter((name) => SPOOL_FILE.test(name)).sort()
    let drained = 0
    for (let start = 0; start < files.length; start += SPOOL_CHUNK) {
      const waits: Array<readonly [string, Effect.Effect<HookEventReply, unknown>]> = []
      let interrupted = false
      for (const name of files.slice(start, start + SPOOL_CHUNK)) {
        const file = path.join(spoolDir, name)
        const text = yield* Effect.either(Effect.try(() => fs.readFileSync(file, "utf8")))
        if (Either.isLeft(text)) {
          // Gone meanwhile (another pass took it), or unreadable for now: not the file's fault.
          if (!isMissing(text.left.error)) yield* Effect.logWarning(`spool: cannot read ${name}: ${String(text.left.error)}; retried later`)
          continue
        }
        const decoded = decodeSpooled(text.right)
        if (Either.isLeft(decoded)) {
          yield* rejectSpooled(spoolDir, file, decoded.left)
          continue
        }
        const submitted = yield* Effect.either(submit(decoded.right))
        if (Either.isLeft(submitted)) {
          // Stopping or overloaded: the file stays for the next pass.
          yield* Effect.logWarning(`spool: ${name} not submitted (${submitted.left._tag}); retried later`)
          interrupted = true
          break
        }
        waits.push([file, submitted.right])
      }
      for (const [file, wait] of waits) {
        const committed = yield* Effect.either(wait)
        if (Either.isLeft(committed)) {
          yield* Effect.logWarning(`spool: ${path.basename(file)} not committed; retried later`)
          continue
        }
        drained++
        // Left behind, it is only replayed as a duplicate on the next pass.
        const removed = yield* Effect.either(Effect.try(() => fs.rmSync(file, { force: true })))
        if (Either.isLeft(removed)) yield* Effect.logWarning(`spool: cannot remove ${path.basename(file)}: ${String(removed.left.error)}`)
      }
      if (interrupted) break
    }
    if (drained > 0) yield* Effect.logInfo(`spool: ${drained} events drained`)
  })
