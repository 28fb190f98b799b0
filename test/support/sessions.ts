/** Sessions built by hand for the store tests: fixed ids, a fixed boundary, times from a fixed origin. */
import { DateTime, Either } from "effect"
import { AgentName, MachineId, ProjectId, SessionId } from "../../src/domain/Ids.js"
import { applyTransition, createSession, type Session } from "../../src/domain/Session.js"

/** A time `ms` after a fixed origin. */
export const at = (ms: number) => DateTime.unsafeMake(1_790_000_000_000 + ms)

/** A new session and its creation record. */
export const makeSession = (id: string, options?: { agent?: string; ms?: number; parent?: string }) =>
  createSession(
    {
      id: SessionId.make(id),
      projectId: ProjectId.make("00000000-0000-4000-8000-000000000001"),
      machineId: MachineId.make("00000000-0000-4000-8000-000000000002"),
      agent: AgentName.make(options?.agent ?? "cli"),
      parentId: options?.parent === undefined ? null : SessionId.make(options.parent),
      capabilities: { capture: true, intelligence: false },
      boundary: {
        root: "/project",
        outsideScope: "record",
        excludePaths: [".env"],
        redactSecrets: true,
        maxFieldBytes: 1024,
        maxEventBytes: 4096
      },
      metadata: { cwd: "/project", branch: "main", transcriptPath: null, title: `t-${id}` }
    },
    at(options?.ms ?? 0),
    "test",
    "test"
  )

/** `session` after `command` at `ms`, and its record. */
export const step = (session: Session, command: "complete" | "reopen" | "process" | "archive" | "restore", ms: number) =>
  Either.getOrThrow(applyTransition(session, command, at(ms), `${command} in test`, "test"))
