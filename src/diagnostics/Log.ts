/**
 * The supervisor's log: JSON lines in `.myco/logs/myco.log`, rotated by size (myco.log.1 ... .3).
 * Each line: time, level, message, fiber, and the log's annotations and spans. The log quotes what
 * agents sent, so it is private (0600, whatever the umask), and a log file replaced by a symbolic
 * link is refused, never written through (lean/SafeFs.ts).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Cause, HashMap, Logger, List } from "effect"
import { appendPrivate } from "../lean/SafeFs.js"

const MAX_BYTES = 5 * 1024 * 1024
const KEEP = 3

const rotate = (file: string): void => {
  for (let i = KEEP - 1; i >= 1; i--) {
    if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`)
  }
  fs.renameSync(file, `${file}.1`)
}

/** A logger appending JSON lines to `dir/myco.log`. A line it cannot write goes to stderr, with why. */
export const jsonFileLogger = (dir: string): Logger.Logger<unknown, void> => {
  const file = path.join(dir, "myco.log")
  let size = fs.existsSync(file) ? fs.statSync(file).size : 0
  return Logger.make(({ annotations, cause, date, fiberId, logLevel, message, spans }) => {
    const line = JSON.stringify({
      at: date.toISOString(),
      level: logLevel.label,
      message: Array.isArray(message) ? message.map(String).join(" ") : String(message),
      fiber: `#${fiberId._tag === "Runtime" ? fiberId.id : 0}`,
      ...(Cause.isEmpty(cause) ? {} : { cause: Cause.pretty(cause) }),
      ...(HashMap.size(annotations) === 0 ? {} : { annotations: Object.fromEntries(HashMap.toEntries(annotations)) }),
      ...(List.isNil(spans) ? {} : { spans: List.toArray(spans).map((s) => s.label) })
    })
    try {
      if (size > MAX_BYTES) {
        rotate(file)
        size = 0
      }
    } catch (cause) {
      process.stderr.write(`myco: cannot rotate the log ${file}: ${String(cause)}\n`)
    }
    const appended = appendPrivate(file, `${line}\n`)
    if (appended.ok) size += Buffer.byteLength(line) + 1
    else process.stderr.write(`myco: cannot write the log: ${appended.message}\n${line}\n`)
  })
}
