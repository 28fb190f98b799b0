/**
 * Timing helpers for the benchmarks: whole-process wall times, interleaved with a baseline run in
 * the same loop so that a noisy, shared machine slows both alike.
 */
import { spawnSync } from "node:child_process"

/**
 * Wall time in milliseconds of one process run to completion; throws if it fails (if it does not
 * end with `expect.status`, 0 unless told).
 */
export const timeProcess = (
  command: string,
  args: ReadonlyArray<string>,
  env?: NodeJS.ProcessEnv,
  expect?: { readonly status: number }
): number => {
  const start = process.hrtime.bigint()
  const result = spawnSync(command, args, { env: env ?? process.env, stdio: ["ignore", "ignore", "pipe"] })
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== (expect?.status ?? 0)) {
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${result.stderr.toString()}`)
  }
  return elapsed
}

/** The q-quantile (0..1) of a sample. */
export const quantile = (sample: ReadonlyArray<number>, q: number): number => {
  const sorted = [...sample].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index] ?? Number.NaN
}

/** Runs `subject` and `baseline` alternately `runs` times (after `warmup` unrecorded rounds). */
export const interleave = (
  runs: number,
  warmup: number,
  subject: () => number,
  baseline: () => number
): { readonly subject: ReadonlyArray<number>; readonly baseline: ReadonlyArray<number> } => {
  const s: Array<number> = []
  const b: Array<number> = []
  for (let i = 0; i < warmup + runs; i++) {
    const ts = subject()
    const tb = baseline()
    if (i >= warmup) {
      s.push(ts)
      b.push(tb)
    }
  }
  return { subject: s, baseline: b }
}

/** Rounds for printing. */
export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits
