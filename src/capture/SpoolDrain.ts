/**
 * Draining the spool: the events hooks could not deliver. Files are taken in name order (the time
 * the hook started) and submitted one after the other, so that each session keeps its order; a
 * file is removed once its event is committed (or found stored already).
 *
 * Nothing in the spool is trusted: the directory must be a real directory of ours (never followed
 * through a link), each entry is opened without following links and without blocking, and must be
 * a regular file of ours of bounded size, nesting no deeper than a frame may; anything else is
 * moved aside to spool/rejected/ with its reason (its content is never read into a log). A file
 * whose event fails repeatedly (say, it kills its session's actor) is moved aside to spool/failed/
 * with its reason after a few passes, so that it never holds back the rest: the events behind it of
 * other sessions go on at once, those of its own session once it is aside.
 */
import * as path from "node:path"
import * as fs from "node:fs"
import { Clock, Effect, Either, ParseResult, Schema } from "effect"
import { parseJsonBounded } from "../lean/Json.js"
import { checkPrivateDir, moveAside, readVaultFile } from "../lean/SafeFs.js"
import { SPOOL_FILE } from "../lean/Spool.js"
import { HookEvent, type HookEventReply } from "../protocol/Protocol.js"
import { prepareHookEvent } from "./HookIntake.js"

/** How many spooled events are submitted before waiting for their commits. */
const SPOOL_CHUNK = 256
/** A temporary file older than this was left by a hook that died between writing and renaming. */
const STALE_TEMP_MS = 60_000
/** Passes a file may fail before it is moved aside. */
export const MAX_SPOOL_ATTEMPTS = 3

const decodeHookEvent = Schema.decodeUnknownEither(HookEvent)

/** Submits one hook event; the inner effect waits for its commit. */
export type SubmitHook = (event: HookEvent) => Effect.Effect<Effect.Effect<HookEventReply, { readonly _tag: string }>, { readonly _tag: string }>

/** What drains the spool of one vault. */
export interface SpoolDrainOptions {
  readonly spoolDir: string
  /** Largest spool file read (a frame's limit, and some room). */
  readonly maxFileBytes: number
  /** Deepest nesting a spooled event may have (a frame's limit). */
  readonly maxDepth: number
  readonly submit: SubmitHook
}

/** Whether a file-system error says the file is not there. */
const isMissing = (error: unknown): boolean => typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Makes the drain: `drain` runs one pass; failures are remembered across passes. */
export const makeSpoolDrain = (options: SpoolDrainOptions) => {
  const { spoolDir } = options
  /** Failed attempts per file name. */
  const attempts = new Map<string, number>()
  let warnedDir: string | undefined

  const moveTo = (sub: "rejected" | "failed", file: string, reason: string) =>
    Effect.gen(function* () {
      attempts.delete(path.basename(file))
      const moved = yield* Effect.either(Effect.try(() => moveAside(file, path.join(spoolDir, sub), reason)))
      if (Either.isRight(moved)) yield* Effect.logWarning(`spool: ${path.basename(file)} moved to spool/${sub}/: ${reason}`)
      else yield* Effect.logWarning(`spool: ${path.basename(file)} should go to spool/${sub}/ (${reason}) but cannot be moved: ${errorText(moved.left.error)}`)
    })

  /** A spooled file's event, or why it is not one (the file is then moved aside). */
  const readSpooled = (file: string): Either.Either<HookEvent, { readonly missing: boolean; readonly reason: string }> => {
    const read = readVaultFile(file, { maxBytes: options.maxFileBytes })
    if (!read.ok) return Either.left({ missing: read.reason === "missing", reason: `${read.reason}: ${read.message}` })
    const parsed = parseJsonBounded(read.text, { maxDepth: options.maxDepth })
    if (!parsed.ok) return Either.left({ missing: false, reason: `${parsed.reason}: ${parsed.message}` })
    return Either.mapLeft(decodeHookEvent(parsed.value), (error) => ({
      missing: false,
      reason: ParseResult.TreeFormatter.formatErrorSync(error).split("\n").slice(0, 3).join(" ").slice(0, 500)
    }))
  }

  /** A failed attempt: retried on a later pass, moved aside after MAX_SPOOL_ATTEMPTS. */
  const failed = (file: string, why: string) =>
    Effect.gen(function* () {
      const name = path.basename(file)
      const count = (attempts.get(name) ?? 0) + 1
      attempts.set(name, count)
      if (count >= MAX_SPOOL_ATTEMPTS) return yield* moveTo("failed", file, `failed ${count} times, last: ${why}`)
      yield* Effect.logWarning(`spool: ${name} not stored (${why}); retried later (attempt ${count} of ${MAX_SPOOL_ATTEMPTS})`)
    })

  const removeStaleTemps = (names: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      for (const name of names) {
        if (!name.startsWith(".")) continue
        const file = path.join(spoolDir, name)
        const removed = yield* Effect.either(
          Effect.try(() => {
            const stat = fs.lstatSync(file)
            if (now - stat.mtimeMs > STALE_TEMP_MS) fs.rmSync(file, { force: true })
          })
        )
        if (Either.isLeft(removed) && !isMissing(removed.left.error)) {
          yield* Effect.logWarning(`spool: cannot remove the stale ${name}: ${errorText(removed.left.error)}`)
        }
      }
    })

  const drain: Effect.Effect<void> = Effect.gen(function* () {
    const dir = checkPrivateDir(spoolDir)
    if (!dir.ok) {
      // A missing spool is an empty one; a link or someone else's directory is never read.
      if (dir.reason !== "missing" && warnedDir !== dir.reason) {
        warnedDir = dir.reason
        yield* Effect.logWarning(`spool: ${spoolDir} ${dir.reason}: not drained (see \`myco doctor\`)`)
      }
      return
    }
    warnedDir = undefined
    const listed = yield* Effect.either(Effect.try(() => fs.readdirSync(spoolDir)))
    if (Either.isLeft(listed)) {
      if (!isMissing(listed.left.error)) yield* Effect.logWarning(`spool: cannot list ${spoolDir}: ${errorText(listed.left.error)}`)
      return
    }
    yield* removeStaleTemps(listed.right)
    const files = listed.right.filter((name) => SPOOL_FILE.test(name)).sort()
    // Sessions with an event that could not be stored in this pass: their later events wait.
    const held = new Set<string>()
    let drained = 0
    for (let start = 0; start < files.length; start += SPOOL_CHUNK) {
      const waits: Array<{ readonly file: string; readonly key: string; readonly wait: Effect.Effect<HookEventReply, { readonly _tag: string }> }> = []
      let stopped = false
      for (const name of files.slice(start, start + SPOOL_CHUNK)) {
        const file = path.join(spoolDir, name)
        const event = readSpooled(file)
        if (Either.isLeft(event)) {
          if (!event.left.missing) yield* moveTo("rejected", file, event.left.reason)
          continue
        }
        const prepared = prepareHookEvent(event.right)
        const key = prepared._tag === "Session" ? prepared.event.sessionId : `unattributed:${name}`
        if (held.has(key)) continue
        const submitted = yield* Effect.either(options.submit(event.right))
        if (Either.isLeft(submitted)) {
          const tag = submitted.left._tag
          if (tag === "ShuttingDown" || tag === "Overloaded" || tag === "SystemError") {
            // Stopping, overloaded, or a store in trouble (the supervisor is about to stop):
            // everything stays for the next pass, or the next supervisor, and counts no attempt.
            stopped = true
            break
          }
          held.add(key)
          yield* failed(file, tag)
          continue
        }
        waits.push({ file, key, wait: submitted.right })
      }
      for (const { file, key, wait } of waits) {
        const committed = yield* Effect.either(wait)
        if (Either.isLeft(committed)) {
          held.add(key)
          if (committed.left._tag === "SystemError") stopped = true
          else if (committed.left._tag !== "ShuttingDown") yield* failed(file, committed.left._tag)
          continue
        }
        drained++
        attempts.delete(path.basename(file))
        // Left behind, it is only replayed as a duplicate on the next pass.
        const removed = yield* Effect.either(Effect.try(() => fs.rmSync(file, { force: true })))
        if (Either.isLeft(removed)) yield* Effect.logWarning(`spool: cannot remove ${path.basename(file)}: ${errorText(removed.left.error)}`)
      }
      if (stopped) break
    }
    if (drained > 0) yield* Effect.logInfo(`spool: ${drained} events drained`)
  })

  return { drain }
}
