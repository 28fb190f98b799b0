/**
 * Reading what the agent gives the hook: a JSON payload on stdin (or, for Codex's `notify`, as
 * the last argument). The input is read to its end however large it is, so that the agent never
 * sees a broken pipe; past `MAX_INPUT_BYTES` only the size and the beginning are kept. Input that
 * is empty, not JSON, binary or unreadable is still delivered, described, so that it is recorded.
 */
import * as fs from "node:fs"
import { isatty } from "node:tty"
import type { HookInputWire } from "../lean/HookWire.js"
import { jsonDepth } from "../lean/Json.js"

/** Largest payload the hook keeps whole. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024
/** How much of an unusable input is kept to show what it was. */
export const HEAD_BYTES = 4096
/** How long stdin may stay silent before the hook stops waiting for its end. */
export const STALL_MS = 30_000

/** The input and the payload parsed from it (null when there is none). */
export interface ReadInput {
  readonly input: HookInputWire
  readonly payload: unknown
}

const head = (buffer: Buffer): string => buffer.subarray(0, HEAD_BYTES).toString("utf8")

/**
 * Parses `buffer` as a JSON payload, describing it when it is not one. A payload nesting deeper
 * than `maxDepth` is not parsed (what would handle it recurses): its beginning is kept as text.
 */
export const parseInput = (buffer: Buffer, total: number, from: "stdin" | "argv", maxDepth: number): ReadInput => {
  if (total > MAX_INPUT_BYTES) return { input: { status: "oversize", bytes: total, head: head(buffer), from }, payload: null }
  const text = buffer.toString("utf8").replace(/^\uFEFF/, "")
  if (text.trim() === "") return { input: { status: "empty", bytes: total, from }, payload: null }
  if (jsonDepth(text, maxDepth) > maxDepth) return { input: { status: "too-deep", bytes: total, head: head(buffer), from }, payload: null }
  try {
    return { input: { status: "ok", bytes: total, from }, payload: JSON.parse(text) }
  } catch {
    return { input: { status: "not-json", bytes: total, head: head(buffer), from }, payload: null }
  }
}

/**
 * Reads stdin to its end, with `fs.read` on fd 0 rather than `process.stdin` (whose stream setup
 * costs the hook about two milliseconds). A terminal (a person running the hook by hand) counts as
 * empty; a non-blocking stdin falls back to the stream.
 */
export const readStdin = (maxDepth: number): Promise<ReadInput> =>
  new Promise((resolve) => {
    // isatty, not process.stdin.isTTY: touching process.stdin builds the stream this avoids.
    if (isatty(0)) return resolve({ input: { status: "empty", bytes: 0, from: "stdin" }, payload: null })
    const chunks: Array<Buffer> = []
    let kept = 0
    let total = 0
    let settled = false
    const finish = (failed: boolean) => {
      if (settled) return
      settled = true
      clearTimeout(stall)
      const buffer = Buffer.concat(chunks, kept)
      resolve(failed ? { input: { status: "unreadable", bytes: total, head: head(buffer), from: "stdin" }, payload: null } : parseInput(buffer, total, "stdin", maxDepth))
    }
    let stall = setTimeout(() => finish(true), STALL_MS)
    const take = (chunk: Buffer) => {
      total += chunk.length
      // Past the cap only the size is counted; the rest is read and dropped.
      if (kept < MAX_INPUT_BYTES) {
        chunks.push(chunk)
        kept += chunk.length
      }
      clearTimeout(stall)
      stall = setTimeout(() => finish(true), STALL_MS)
    }
    const viaStream = () => {
      process.stdin.on("data", take)
      process.stdin.once("end", () => finish(false))
      process.stdin.once("error", () => finish(true))
    }
    const next = () => {
      const buffer = Buffer.allocUnsafe(64 * 1024)
      fs.read(0, buffer, 0, buffer.length, null, (error, bytesRead) => {
        if (settled) return
        if (error !== null) return error.code === "EAGAIN" ? viaStream() : finish(error.code !== "EOF")
        if (bytesRead === 0) return finish(false)
        take(buffer.subarray(0, bytesRead))
        next()
      })
    }
    next()
  })
