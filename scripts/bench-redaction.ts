/**
 * Redaction benchmark: src/lean/Secrets.ts's redactSecrets against its corpus
 * (test/fixtures/secrets): recall on secrets.jsonl (each secret gone, and a rule fired), the
 * false-positive rate on lookalikes.jsonl (a look-alike changed at all), and throughput in MB/s
 * over the concatenated corpus repeated to ~5 MB, as one string and as one string per line (as the
 * capture boundary calls it, field by field). Budget: recall 1, false positives <= 1%.
 *
 *   npx tsx scripts/bench-redaction.ts      (MYCO_BENCH_MB overrides the ~5 MB, MYCO_BENCH_RUNS the 5 runs)
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { redactSecrets } from "../src/lean/Secrets.js"
import { quantile, round } from "./lib/timing.js"

const MB = Number(process.env["MYCO_BENCH_MB"] ?? 5)
const RUNS = Number(process.env["MYCO_BENCH_RUNS"] ?? 5)
const BUDGET_RECALL = 1
const BUDGET_FALSE_POSITIVE_RATE = 0.01
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname))
const corpus = path.join(root, "test", "fixtures", "secrets")

interface Row {
  readonly id: string
  readonly text: string
  readonly secret: string | undefined
}

const load = (file: string): ReadonlyArray<Row> =>
  fs
    .readFileSync(path.join(corpus, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line): Row => {
      const row: unknown = JSON.parse(line)
      const field = (name: string): unknown => (typeof row === "object" && row !== null && name in row ? Reflect.get(row, name) : undefined)
      const [id, text, secret] = [field("id"), field("text"), field("secret")]
      if (typeof id !== "string" || typeof text !== "string") throw new Error(`${file}: a line without id or text: ${line.slice(0, 80)}`)
      return { id, text, secret: typeof secret === "string" ? secret : undefined }
    })

const secrets = load("secrets.jsonl")
const lookalikes = load("lookalikes.jsonl")

const missed = secrets.filter((s) => {
  const out = redactSecrets(s.text)
  return out.rules.length === 0 || out.text.includes(s.secret ?? "")
})
const touched = lookalikes.filter((l) => {
  const out = redactSecrets(l.text)
  return out.text !== l.text || out.rules.length > 0
})
const recall = (secrets.length - missed.length) / secrets.length
const falsePositiveRate = touched.length / lookalikes.length

// Throughput: the corpus, its texts joined by newlines, repeated to ~MB megabytes.
const unit = [...secrets, ...lookalikes].map((r) => r.text).join("\n") + "\n"
const big = unit.repeat(Math.max(1, Math.round((MB * 1e6) / unit.length)))
const lines = big.split("\n")
const mbPerS = (f: () => void): number => {
  f()
  const sample = Array.from({ length: RUNS }, () => {
    const start = process.hrtime.bigint()
    f()
    return Number(process.hrtime.bigint() - start) / 1e9
  })
  return big.length / 1e6 / quantile(sample, 0.5)
}
const whole = mbPerS(() => redactSecrets(big))
const perLine = mbPerS(() => {
  for (const line of lines) redactSecrets(line)
})

for (const s of missed) console.log(`missed     ${s.id}: ${redactSecrets(s.text).text.slice(0, 160)}`)
for (const l of touched) console.log(`touched    ${l.id}: ${redactSecrets(l.text).text.slice(0, 160)}`)
console.log(`corpus: ${secrets.length} secrets, ${lookalikes.length} look-alikes; throughput over ${round(big.length / 1e6, 1)} MB, median of ${RUNS} runs`)
console.log(
  `recall ${round(recall, 4)} (budget ${BUDGET_RECALL})  false positives ${round(falsePositiveRate, 4)} (budget <= ${BUDGET_FALSE_POSITIVE_RATE})  ` +
    `${round(whole, 1)} MB/s as one string, ${round(perLine, 1)} MB/s line by line`
)
console.log(
  JSON.stringify({
    bench: "redaction",
    recall: round(recall, 4),
    false_positive_rate: round(falsePositiveRate, 4),
    secrets: secrets.length,
    lookalikes: lookalikes.length,
    mb_per_s: round(whole, 1),
    mb_per_s_line_by_line: round(perLine, 1),
    budget_recall: BUDGET_RECALL,
    budget_false_positive_rate: BUDGET_FALSE_POSITIVE_RATE,
    pass: recall >= BUDGET_RECALL && falsePositiveRate <= BUDGET_FALSE_POSITIVE_RATE
  })
)
