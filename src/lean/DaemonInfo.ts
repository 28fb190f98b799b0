/**
 * `run/daemon.json`: who serves the vault, where, and with which frame limit. The supervisor
 * writes it once it serves; the hook and the CLI read it. One reader for both, Effect-free because
 * the hook reads it on every event; test/lean/DaemonInfo.test.ts checks it against the schema the
 * supervisor's side declares.
 */
import * as path from "node:path"
import { readVaultFile } from "./SafeFs.js"

/** The content of `run/daemon.json`. */
export interface DaemonInfo {
  readonly pid: number
  readonly version: string
  /** The socket the supervisor listens on (a short path when the vault's is too long). */
  readonly socket: string
  readonly startedAt: string
  /** The largest request frame it accepts, in bytes (myco.yaml `daemon.max_frame_bytes`). */
  readonly maxFrameBytes: number
  /** The deepest nesting of a frame it accepts (myco.yaml `daemon.max_frame_depth`). */
  readonly maxFrameDepth: number
}

/** The largest frame a supervisor accepts unless myco.yaml says otherwise. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024

/** The deepest frame a supervisor accepts unless myco.yaml says otherwise. */
export const DEFAULT_MAX_FRAME_DEPTH = 128

/** Largest daemon.json read: it is a few hundred bytes. */
const MAX_DAEMON_JSON_BYTES = 64 * 1024

const isPositiveInt = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u > 0

/** `u` as a DaemonInfo, or undefined when it is not one. */
export const parseDaemonInfo = (u: unknown): DaemonInfo | undefined => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return undefined
  const pid: unknown = "pid" in u ? u.pid : undefined
  const version: unknown = "version" in u ? u.version : undefined
  const socket: unknown = "socket" in u ? u.socket : undefined
  const startedAt: unknown = "startedAt" in u ? u.startedAt : undefined
  const maxFrameBytes: unknown = "maxFrameBytes" in u ? u.maxFrameBytes : DEFAULT_MAX_FRAME_BYTES
  const maxFrameDepth: unknown = "maxFrameDepth" in u ? u.maxFrameDepth : DEFAULT_MAX_FRAME_DEPTH
  if (!isPositiveInt(pid) || typeof version !== "string" || typeof socket !== "string" || typeof startedAt !== "string") return undefined
  if (!isPositiveInt(maxFrameBytes) || !isPositiveInt(maxFrameDepth)) return undefined
  return { pid, version, socket, startedAt, maxFrameBytes, maxFrameDepth }
}

/** The path of daemon.json in a vault's `run/` directory. */
export const daemonInfoFile = (runDir: string): string => path.join(runDir, "daemon.json")

/** Reads daemon.json, or undefined when it is absent, half-written, too large or not ours. */
export const readDaemonInfo = (runDir: string): DaemonInfo | undefined => {
  // Not followed if it is a link, never blocking, bounded, and ours: else no supervisor is known.
  const read = readVaultFile(daemonInfoFile(runDir), { maxBytes: MAX_DAEMON_JSON_BYTES })
  if (!read.ok) return undefined
  try {
    return parseDaemonInfo(JSON.parse(read.text))
  } catch {
    // Half-written by a crashed process: no supervisor is known.
    return undefined
  }
}
