/**
 * The hook's encoder of the one frame it sends: a `HookEvent` request (domain/Protocol.ts). The
 * hook must start in a few milliseconds, so it does not load Effect's Schema; this encoder writes
 * the same JSON the schema's encoding gives, and a test decodes its output with the schema.
 */

/** How the hook read the agent's input (Protocol.ts `HookInput`). */
export interface HookInputWire {
  readonly status: "ok" | "empty" | "not-json" | "oversize" | "unreadable" | "too-deep"
  readonly bytes: number
  readonly head?: string
  readonly from: "stdin" | "argv"
}

/** A `HookEvent` request as it travels (Protocol.ts `HookEvent`, encoded). */
export interface HookEventWire {
  readonly _tag: "HookEvent"
  readonly idempotencyId: string
  readonly agent: string
  readonly event: string
  /** ISO-8601, UTC. */
  readonly at: string
  readonly cwd: string
  readonly input: HookInputWire
  readonly payload: unknown
}

/** The request id the hook uses: it sends one request per connection. */
export const HOOK_REQUEST_ID = 1

/** The frame (one line, newline included) that carries `event`. */
export const encodeHookFrame = (event: HookEventWire): string =>
  `${JSON.stringify({ id: HOOK_REQUEST_ID, request: event })}\n`

/** What a reply line says about our request: acknowledged, refused (with the error's tag), or not ours. */
export const readReply = (line: string): { readonly _tag: "Acked" } | { readonly _tag: "Refused"; readonly reason: string } | undefined => {
  let frame: unknown
  try {
    frame = JSON.parse(line)
  } catch {
    return { _tag: "Refused", reason: "unreadable reply" }
  }
  if (typeof frame !== "object" || frame === null) return { _tag: "Refused", reason: "unreadable reply" }
  const id = "id" in frame ? frame.id : undefined
  if ("ok" in frame && id === HOOK_REQUEST_ID) return { _tag: "Acked" }
  if ("error" in frame && (id === HOOK_REQUEST_ID || id === null)) {
    const error = frame.error
    const tag = typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : "error"
    return { _tag: "Refused", reason: tag }
  }
  return undefined
}
