import { spawn } from "node:child_process"
import * as path from "node:path"
import Database from "better-sqlite3"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { replayHistory, TransitionRecord } from "../../src/domain/Session.js"
import { myco, mycoAsync, repoRoot, tempProject, type TempProject } from "../support/cli.js"

let project: TempProject
beforeEach(() => {
  project = tempProject("myco-race-")
  expect(myco(["init"], { cwd: project.dir, env: project.env }).status).toBe(0)
})
afterEach(() => project.cleanup())

const opts = () => ({ cwd: project.dir, env: project.env })
const history = (id: string) =>
  Schema.decodeUnknownSync(Schema.Array(TransitionRecord))(JSON.parse(myco(["session", "history", id, "--json"], opts()).stdout))

describe("several processes on one vault", () => {
  it("concurrent `complete --if-version 1` of one session: exactly one wins, every other gets the lost-race error", async () => {
    expect(myco(["session", "create", "--id", "race"], opts()).status).toBe(0)
    const results = await Promise.all(
      Array.from({ length: 8 }, () => mycoAsync(["session", "complete", "race", "--if-version", "1"], opts()))
    )
    const winners = results.filter((r) => r.status === 0)
    const losers = results.filter((r) => r.status !== 0)
    expect(winners).toHaveLength(1)
    for (const loser of losers) {
      expect(loser.status).toBe(75)
      expect(loser.stderr).toContain("changed concurrently")
    }
    expect(history("race").filter((h) => h.command === "complete")).toHaveLength(1)
  })

  it("concurrent `complete` without a version: exactly one wins, the others lose the race or find it completed", async () => {
    expect(myco(["session", "create", "--id", "race2"], opts()).status).toBe(0)
    const results = await Promise.all(Array.from({ length: 8 }, () => mycoAsync(["session", "complete", "race2"], opts())))
    expect(results.filter((r) => r.status === 0)).toHaveLength(1)
    for (const r of results.filter((r) => r.status !== 0)) expect([65, 75]).toContain(r.status)
    const rows = history("race2")
    expect(rows.map((h) => h.command)).toEqual(["create", "complete"])
  })

  it("writer processes never lose an update or corrupt the file", async () => {
    for (const id of ["shared-0", "shared-1"]) expect(myco(["session", "create", "--id", id], opts()).status).toBe(0)
    // Sized for a busy two-core machine: 4 writers contending on 2 shared sessions for 12 rounds is
    // enough to make them lose races to each other; the time limit below is generous on purpose.
    const writers = 4
    const own = 8
    const rounds = 12
    const outputs = await Promise.all(
      Array.from(
        { length: writers },
        (_, w) =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ["--import", "tsx", path.join(repoRoot, "test", "support", "writer.ts"), project.dir, String(w), String(own), String(rounds)],
              { cwd: repoRoot, env: project.env }
            )
            let out = ""
            let err = ""
            child.stdout.on("data", (d: Buffer) => (out += d.toString()))
            child.stderr.on("data", (d: Buffer) => (err += d.toString()))
            child.on("error", reject)
            child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`writer ${w} exited ${code}: ${err}`))))
          })
      )
    )
    const tallies = outputs.map((o) => Schema.decodeUnknownSync(Schema.Struct({ writer: Schema.String, won: Schema.Number, lost: Schema.Number }))(JSON.parse(o)))
    const won = tallies.reduce((n, t) => n + t.won, 0)
    expect(tallies.reduce((n, t) => n + t.won + t.lost, 0)).toBe(writers * rounds * 2)

    const db = new Database(path.join(project.dir, ".myco", "myco.db"), { readonly: true })
    try {
      expect(db.prepare("PRAGMA integrity_check").pluck().get()).toBe("ok")
      const sessions = Schema.decodeUnknownSync(
        Schema.Array(Schema.Struct({ id: Schema.String, status: Schema.String, version: Schema.Number }))
      )(db.prepare("SELECT id, status, version FROM sessions").all())
      expect(sessions).toHaveLength(writers * own + 2)
      for (const s of sessions) {
        // Every stored status is explained by its history: no update was lost or overwritten.
        const replay = replayHistory(history(s.id))
        expect(replay).toEqual(Either.right({ status: s.status, version: s.version }))
        if (!s.id.startsWith("shared")) expect(s.status).toBe("archived")
      }
      // Every transition a writer was told it won is in the history, and nothing else is.
      const sharedTransitions = (db.prepare("SELECT count(*) FROM transitions WHERE session_id LIKE 'shared-%' AND command <> 'create'").pluck().get())
      expect(sharedTransitions).toBe(won)
    } finally {
      db.close()
    }
  }, 300_000)
})
