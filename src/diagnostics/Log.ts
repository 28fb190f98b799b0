/**
 * The supervisor's log: JSON lines in `.myco/logs/myco.log`, rotated by size (myco.log.1 ... .3).
 * Each line: time, level, message, fiber, and the log's annotations and spans.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Cause, HashMap, Logger, List } from "effect"

const MAX_BYTES = 5 * 1024 * 1024
const KEEP = 3

const rotate = (file: string): void => {
  for (let i = KEEP - 1; i >= 1; i--) {
    if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`)
  }
  fs.renameSync(file, `${file}.1`)
}

/** A logger appending JSON lines to `dir/myco.log`. Write failures go to stderr, once each. */
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
      fs.appendFileSync(file, `${line}\n`)
      size += line.length + 1
    } catch (cause) {
      process.stderr.write(`myco: cannot write the log ${file}: ${String(cause)}\n${line}\n`)
    }
  })
}
