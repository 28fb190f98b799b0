/**
 * The read path's side of the supervisor's protocol (protocol/Protocol.ts) for `myco status`: the
 * `Hello` and `Status` request frames, and a check of the reply that takes exactly what the
 * client's schemas (`HelloReply`, `StatusReply`) would decode. The read path loads no Effect, so it
 * does not use the typed client; test/lean/StatusWire.test.ts decodes these frames with the
 * protocol's schemas and holds the checks to them.
 *
 * Effect-free, and imports only Node's own modules.
 */
import type { ActorSnapshotJson, StatusReplyJson } from "./Documents.js"

/** The protocol version (protocol/Protocol.ts re-exports it). A server refuses a Hello with another. */
export const PROTOCOL_VERSION = 2

/** Who the CLI says it is in its Hello. */
export const CLI_CLIENT_NAME = "myco-cli"

/** The request ids of the two frames, sent together on one connection. */
export const HELLO_ID = 1
export const STATUS_ID = 2

/** The two request frames (two lines, newlines included): Hello, then Status. */
export const statusRequestFrames = (): string =>
  `${JSON.stringify({ id: HELLO_ID, request: { _tag: "Hello", protocol: PROTOCOL_VERSION, client: CLI_CLIENT_NAME } })}\n` +
  `${JSON.stringify({ id: STATUS_ID, request: { _tag: "Status" } })}\n`

type Json = { readonly [key: string]: unknown }

const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)
const isInt = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u)
const isNumber = (u: unknown): u is number => typeof u === "number" && Number.isFinite(u)
const isText = (u: unknown): u is string => typeof u === "string"

/** What one reply frame says: its id, and its answer or that it is an error (or anything else). */
export type ReplyLine =
  | { readonly _tag: "Ok"; readonly id: number; readonly ok: unknown }
  | { readonly _tag: "NotOk"; readonly id: number | null }
  | { readonly _tag: "Unreadable" }

/** Reads one reply line. */
export const readReplyLine = (line: string): ReplyLine => {
  let frame: unknown
  try {
    frame = JSON.parse(line)
  } catch {
    return { _tag: "Unreadable" }
  }
  if (!isObject(frame) || !("id" in frame)) return { _tag: "Unreadable" }
  const id = frame["id"]
  if (id === null) return { _tag: "NotOk", id: null }
  if (!isInt(id)) return { _tag: "Unreadable" }
  return "ok" in frame && !("error" in frame) && !("item" in frame) ? { _tag: "Ok", id, ok: frame["ok"] } : { _tag: "NotOk", id }
}

/** Whether `u` is a Hello answer the client's `HelloReply` schema decodes. */
export const isHelloReply = (u: unknown): boolean =>
  isObject(u) && isInt(u["protocol"]) && isText(u["version"]) && isInt(u["pid"])

/** The deepest supervision tree taken here (myco's is three levels deep). */
const MAX_TREE_DEPTH = 32

const STATES: ReadonlyArray<ActorSnapshotJson["state"]> = ["starting", "running", "restarting", "stopping", "stopped"]

const snapshotOf = (u: unknown, depth: number): ActorSnapshotJson | undefined => {
  if (!isObject(u) || depth > MAX_TREE_DEPTH) return undefined
  const { id, path, kind, strategy, state, restarts, lastFailure, mailboxDepth, uptimeMs, deadLetters, childCount, children } = u
  if (!isText(id) || !isText(path) || (kind !== "worker" && kind !== "supervisor") || !(strategy === null || isText(strategy))) return undefined
  const knownState = STATES.find((s) => s === state)
  if (knownState === undefined || !isNumber(restarts) || !isNumber(mailboxDepth) || !isNumber(uptimeMs)) return undefined
  if (!isNumber(deadLetters) || !isNumber(childCount) || !Array.isArray(children)) return undefined
  let failure: ActorSnapshotJson["lastFailure"] = null
  if (lastFailure !== null) {
    if (!isObject(lastFailure)) return undefined
    const { kind: failureKind, tag, message, at } = lastFailure
    if ((failureKind !== "error" && failureKind !== "defect") || !isText(tag) || !isText(message) || !isNumber(at)) return undefined
    failure = { kind: failureKind, tag, message, at }
  }
  const nodes: Array<ActorSnapshotJson> = []
  for (const child of children) {
    const node = snapshotOf(child, depth + 1)
    if (node === undefined) return undefined
    nodes.push(node)
  }
  return {
    id,
    path,
    kind,
    strategy,
    state: knownState,
    restarts,
    lastFailure: failure,
    mailboxDepth,
    uptimeMs,
    deadLetters,
    childCount,
    children: nodes
  }
}

const countsOf = <K extends string>(u: unknown, keys: ReadonlyArray<K>): { readonly [P in K]: number } | undefined => {
  if (!isObject(u)) return undefined
  const counts: Partial<Record<K, number>> = {}
  for (const key of keys) {
    const value = u[key]
    if (!isInt(value)) return undefined
    counts[key] = value
  }
  return isComplete(counts, keys) ? counts : undefined
}

const isComplete = <K extends string>(counts: Partial<Record<K, number>>, keys: ReadonlyArray<K>): counts is Record<K, number> =>
  keys.every((key) => typeof counts[key] === "number")

/** The supervisor's answer to `Status`, when the client's `StatusReply` schema decodes it; else undefined. */
export const statusReplyOf = (u: unknown): StatusReplyJson | undefined => {
  if (!isObject(u)) return undefined
  const { pid, version, startedAt, uptimeMs, socket, vault, tree, deadLetters, connections } = u
  if (!isInt(pid) || !isText(version) || !isText(startedAt) || !isNumber(uptimeMs) || !isText(socket) || !isText(vault)) return undefined
  if (!isInt(deadLetters) || !isInt(connections)) return undefined
  const root = snapshotOf(tree, 0)
  const sessions = countsOf(u["sessions"], ["active", "completed", "processed", "archived", "live"] as const)
  const ingest = countsOf(u["ingest"], ["queueDepth", "queueCapacity", "eventsCommitted", "duplicates", "lateEvents", "batchesCommitted"] as const)
  if (root === undefined || sessions === undefined || ingest === undefined) return undefined
  return { pid, version, startedAt, uptimeMs, socket, vault, tree: root, sessions, ingest, deadLetters, connections }
}
