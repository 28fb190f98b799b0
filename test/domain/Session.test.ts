import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, DateTime, Either, FastCheck, Schema } from "effect"
import { AgentName, MachineId, ProjectId, SessionId } from "../../src/domain/Ids.js"
import {
  allowedCommands,
  applyTransition,
  createSession,
  InvalidTransition,
  replayHistory,
  Session,
  sessionToJson,
  SessionStatus,
  TransitionCommand,
  TransitionRecord,
  transitionToJson
} from "../../src/domain/Session.js"

const newSession = (at: DateTime.Utc) =>
  createSession(
    {
      id: SessionId.make("s-1"),
      projectId: ProjectId.make("00000000-0000-4000-8000-000000000001"),
      machineId: MachineId.make("00000000-0000-4000-8000-000000000002"),
      agent: AgentName.make("cli"),
      parentId: null,
      capabilities: { capture: true, intelligence: true },
      boundary: {
        root: "/p",
        outsideScope: "record",
        excludePaths: [],
        redactSecrets: true,
        maxFieldBytes: 1024,
        maxEventBytes: 4096
      },
      metadata: { cwd: null, branch: null, transcriptPath: null, title: null }
    },
    at,
    "test",
    "test"
  )

/** The lifecycle table of docs/lifecycle.md, written out independently of the code's table. */
const expected: Record<string, string> = {
  "active/complete": "completed",
  "completed/reopen": "active",
  "completed/process": "processed",
  "processed/reopen": "active",
  "processed/archive": "archived",
  "archived/restore": "processed"
}

describe("sessionToJson and transitionToJson", () => {
  // The same text, not only equal values: the CLI prints these documents byte for byte.
  it.prop("sessionToJson is exactly the schema's encoding, key order included", [Arbitrary.make(Session)], ([session]) => {
    expect(JSON.stringify(sessionToJson(session))).toBe(JSON.stringify(Schema.encodeSync(Session)(session)))
  })

  it.prop("transitionToJson is exactly the schema's encoding, key order included", [Arbitrary.make(TransitionRecord)], ([record]) => {
    expect(JSON.stringify(transitionToJson(record))).toBe(JSON.stringify(Schema.encodeSync(TransitionRecord)(record)))
  })
})

describe("status machine", () => {
  it("accepts exactly the transitions of the lifecycle table", () => {
    const at = DateTime.unsafeMake(0)
    const pathTo: Record<SessionStatus, ReadonlyArray<TransitionCommand>> = {
      active: [],
      completed: ["complete"],
      processed: ["complete", "process"],
      archived: ["complete", "process", "archive"]
    }
    const reach = (status: SessionStatus): Session => {
      let [session] = newSession(at)
      for (const command of pathTo[status]) session = Either.getOrThrow(applyTransition(session, command, at, "r", "a"))[0]
      expect(session.status).toBe(status)
      return session
    }
    for (const status of SessionStatus.literals) {
      for (const command of TransitionCommand.literals) {
        const result = applyTransition(reach(status), command, at, "r", "a")
        const want = expected[`${status}/${command}`]
        if (want === undefined) {
          expect(Either.isLeft(result), `${status} --${command}--> should be refused`).toBe(true)
          if (Either.isLeft(result)) {
            expect(result.left).toBeInstanceOf(InvalidTransition)
            expect(result.left.allowed).toEqual(allowedCommands(status))
            expect(result.left.message).toContain(`cannot ${command}`)
          }
        } else {
          expect(Either.isRight(result), `${status} --${command}--> ${want}`).toBe(true)
          if (Either.isRight(result)) expect(result.right[0].status).toBe(want)
        }
      }
    }
  })

  it.prop(
    "every sequence of commands keeps the invariants",
    [FastCheck.array(FastCheck.constantFrom(...TransitionCommand.literals), { maxLength: 60 })],
    ([commands]) => {
      let clock = 1_000
      const [created, createdRecord] = newSession(DateTime.unsafeMake(clock))
      let session = created
      const history: Array<TransitionRecord> = [createdRecord]
      for (const command of commands) {
        clock += 1
        const result = applyTransition(session, command, DateTime.unsafeMake(clock), "prop", "prop")
        const allowed = allowedCommands(session.status).includes(command)
        expect(Either.isRight(result)).toBe(allowed)
        if (Either.isRight(result)) {
          const [next, record] = result.right
          // Versions strictly increase, by one per transition.
          expect(next.version).toBe(session.version + 1)
          expect(record.version).toBe(next.version)
          expect(record.from).toBe(session.status)
          expect(record.to).toBe(next.status)
          // Lineage never changes.
          expect(next.id).toBe(session.id)
          expect(next.parentId).toBe(session.parentId)
          expect(next.projectId).toBe(session.projectId)
          expect(DateTime.toEpochMillis(next.updatedAt)).toBe(clock)
          if (next.status === "completed") expect(next.completedAt).not.toBeNull()
          if (next.status === "archived") expect(next.archivedAt).not.toBeNull()
          session = next
          history.push(record)
        }
        // The history always replays to the current status and version.
        const replay = replayHistory(history)
        expect(replay).toEqual(Either.right({ status: session.status, version: session.version }))
      }
    }
  )

  it("replayHistory rejects a history that skips the table", () => {
    const [session, created] = newSession(DateTime.unsafeMake(0))
    const complete = applyTransition(session, "complete", DateTime.unsafeMake(1), "r", "a")
    if (Either.isLeft(complete)) throw complete.left
    const [, completeRecord] = complete.right
    const forged = new TransitionRecord({ ...completeRecord, to: "archived" })
    expect(Either.isLeft(replayHistory([created, forged]))).toBe(true)
    expect(Either.isLeft(replayHistory([completeRecord]))).toBe(true)
    expect(Either.isLeft(replayHistory([]))).toBe(true)
    expect(replayHistory([created, completeRecord])).toEqual(Either.right({ status: "completed", version: 2 }))
  })
})
