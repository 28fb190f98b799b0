/**
 * Type-level checks, verified by `tsc` (not run by vitest): each document of lean/Documents.ts is
 * exactly the `Encoded` type of the schema it stands for, so that a field added to (or changed in)
 * a domain schema cannot be forgotten by the documents both the CLI and the read path print.
 */
import type { Schema } from "effect"
import type { Session, TransitionRecord } from "../../src/domain/Session.js"
import type { SessionJson, StatusReplyJson, TransitionJson } from "../../src/lean/Documents.js"
import type { StatusReply } from "../../src/protocol/Protocol.js"

/** True when A and B are assignable both ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

export const sessionDocument: Same<SessionJson, Schema.Schema.Encoded<typeof Session>> = true
export const transitionDocument: Same<TransitionJson, Schema.Schema.Encoded<typeof TransitionRecord>> = true
export const statusDocument: Same<StatusReplyJson, Schema.Schema.Encoded<typeof StatusReply>> = true
