/**
 * The read path's bundle (dist/myco-read.cjs): the launcher requires it and calls `run` before it
 * loads the full CLI (see Read.ts); `answer` gives the outcome without writing it.
 */
export { answer, run } from "./Read.js"
export type { ReadOutcome } from "./Read.js"
