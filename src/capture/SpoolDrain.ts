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
 *
 * Two spools may hold a vault's events: its own, and the fallback spool outside the vault where
 * hooks write when the vault's cannot take them (lean/FallbackSpool.ts). Both are read with the
 * same care and drained together, in one name order, so that a session's events keep their order
 * whichever spool each went to. While the supervisor's writes are paused (a full disk:
 * IntakePause.ts), nothing is drained; an event refused for a full disk pauses them, ends the
 * pass, and counts as no failed attempt: it waits for the space.
 */
import * as path from "node:path"
import * as fs from "node:fs"
import { Clock, Effect, Either, ParseResult, Schema } from "effect"
import { isDiskFull } from "../domain/Failure.js"
import { parseJsonBounded } from "../lean/Json.js"
import { checkPrivateDir, moveAside, readVaultFile } from "../lean/SafeFs.js"
import { SPOOL_FILE, SPOOL_TEMP_FILE } from "../lean/Spool.js"
import { HookEvent, type HookEventReply } from "../protocol/Protocol.js"
import { prepareHookEvent } from "./HookIntake.js"
import type { IntakePause } from "./IntakePause.js"

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
  /** The vault's spool. */
  readonly spoolDir: string
  /** The vault's fallback spool, when the user has a state directory. */
  readonly fallbackSpoolDir?: string
  /** Largest spool file read (a frame's limit, and some room). */
  readonly maxFileBytes: number
  /** Deepest nesting a spooled event may have (a frame's limit). */
  readonly maxDepth: number
  readonly submit: SubmitHook
  /** The supervisor's write pause: nothing is drained while it holds, and a full disk starts it. */
  readonly intake?: IntakePause["Type"]
}

/** Whether a file-system error says the file is not there. */
const isMissing = (error: unknown): boolean => typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Makes the drain: `drain` runs one pass; failures are remembered across passes. */
export const makeSpoolDrain = (options: SpoolDrainOptions) => {
  const spoolDirs = [options.spoolDir, ...(options.fallbackSpoolDir === undefined ? [] : [options.fallbackSpoolDir])]
  /** Failed attempts per file. */
  const attempts = new Map<string, number>()
  /** The problem last reported per spool directory, so that it is reported once. */
  const warnedDir = new Map<string, string>()
  const isPaused = options.intake?.paused ?? Effect.succeed(false)
  const pauseFor = (why: string) => options.intake?.pause(why) ?? Effect.void

  const moveTo = (sub: "rejected" | "failed", file: string, reason: string) =>
    Effect.gen(function* () {
      attempts.delete(file)
      const dir = path.join(path.dirname(file), sub)
      const moved = yield* Effect.either(Effect.try(() => moveAside(file, dir, reason)))
      if (Either.isRight(moved)) yield* Effect.logWarning(`spool: ${path.basename(file)} moved to ${dir}: ${reason}`)
      else yield* Effect.logWarning(`spool: ${path.basename(file)} should go to ${dir} (${reason}) but cannot be moved: ${errorText(moved.left.error)}`)
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
      const count = (attempts.get(file) ?? 0) + 1
      attempts.set(file, count)
      if (count >= MAX_SPOOL_ATTEMPTS) return yield* moveTo("failed", file, `failed ${count} times, last: ${why}`)
      yield* Effect.logWarning(`spool: ${path.basename(file)} not stored (${why}); retried later (attempt ${count} of ${MAX_SPOOL_ATTEMPTS})`)
    })

  const removeStaleTemps = (dir: string, names: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      for (const name of names) {
        if (!SPOOL_TEMP_FILE.test(name)) continue
        const file = path.join(dir, name)
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

  /** The spooled files of one spool directory, or none when it is missing or not to be trusted. */
  const listSpool = (dir: string) =>
    Effect.gen(function* () {
      const check = checkPrivateDir(dir)
      if (!check.ok) {
        // A missing spool is an empty one; a link or someone else's directory is never read.
        if (check.reason !== "missing" && warnedDir.get(dir) !== check.reason) {
          warnedDir.set(dir, check.reason)
          yield* Effect.logWarning(`spool: ${dir} ${check.reason}: not drained (see \`myco doctor\`)`)
        }
        return []
      }
      warnedDir.delete(dir)
      const listed = yield* Effect.either(Effect.try(() => fs.readdirSync(dir)))
      if (Either.isLeft(listed)) {
        if (!isMissing(listed.left.error)) yield* Effect.logWarning(`spool: cannot list ${dir}: ${errorText(listed.left.error)}`)
        return []
      }
      yield* removeStaleTemps(dir, listed.right)
      return listed.right.filter((name) => SPOOL_FILE.test(name)).map((name) => ({ name, file: path.join(dir, name) }))
    })

  const drain: Effect.Effect<void> = Effect.gen(function* () {
    if (yield* isPaused) return
    const listings = yield* Effect.forEach(spoolDirs, listSpool)
    // One order across both spools: the hook's start time leads each name. (A stable sort keeps
    // the vault's own first when the very same event sits in both.)
    const files = listings.flat().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    // Sessions with an event that could not be stored in this pass: their later events wait.
    const held = new Set<string>()
    let drained = 0
    for (let start = 0; start < files.length; start += SPOOL_CHUNK) {
      const waits: Array<{ readonly file: string; readonly key: string; readonly wait: Effect.Effect<HookEventReply, { readonly _tag: string }> }> = []
      let stopped = false
      for (const { name, file } of files.slice(start, start + SPOOL_CHUNK)) {
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
          if (tag === "ShuttingDown" || tag === "Overloaded" || tag === "SystemError" || isDiskFull(submitted.left)) {
            // Stopping, overloaded, out of space, or a store in trouble (the supervisor is about to
            // stop): everything stays for a later pass, or the next supervisor, and counts no attempt.
            if (isDiskFull(submitted.left)) yield* pauseFor(errorText(submitted.left))
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
          if (isDiskFull(committed.left)) {
            yield* pauseFor(errorText(committed.left))
            stopped = true
          } else if (committed.left._tag === "SystemError") stopped = true
          else if (committed.left._tag !== "ShuttingDown") yield* failed(file, committed.left._tag)
          continue
        }
        drained++
        attempts.delete(file)
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
