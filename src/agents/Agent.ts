/**
 * What myco knows about one coding agent, in one record: its hook payload contract and normaliser,
 * the fields that carry its session id, its installer spec, and what its hooks must print. Each
 * agent's folder exports one; agents/index.ts is the registry everything else derives from (the
 * known-agents list, normalisers, installers, replies, session-id sniffing).
 *
 * Effect-free: the hook binary bundles the registry for the replies.
 */
import type { CanonicalKind, NormalizedEvent } from "../domain/CanonicalEvent.js"

/** One coding agent. */
export interface Agent<Hooks = unknown> {
  /** Its name, as installed hooks pass it with `--agent`. */
  readonly name: string
  /** Its name for people. */
  readonly title: string
  /** Normalises one hook payload of the agent (never throws). */
  readonly normalize: (eventName: string, payload: unknown) => NormalizedEvent
  /** Every hook event its normaliser knows, with its canonical kind. */
  readonly events: ReadonlyArray<{ readonly event: string; readonly kind: CanonicalKind }>
  /** The payload fields that carry its session id. */
  readonly sessionIdFields: ReadonlyArray<string>
  /** What its hook prints on stdout for `eventName` ('' for nothing). */
  readonly reply: (eventName: string) => string
  /** How myco installs its hooks (see install/). */
  readonly hooks: Hooks
}
