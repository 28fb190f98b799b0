/**
 * The read path (dist/myco-read.cjs, which the launcher tries first for `myco session list`,
 * `session show` and `status`) against the full CLI (`MYCO_READ_PATH=off`), on the built binaries
 * and a real vault of 50 sessions: for every command line, good and bad, the same stdout, stderr
 * and exit code; and the read path really answers the command lines it is meant to, and declines
 * the others (bad input, other spellings, a vault the full CLI would change), which the full CLI
 * then answers as it always did.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Either } from "effect"
import { CapturedEvent, EventKind, IdempotencyId } from "../../src/domain/Event.js"
import { AgentName, MachineId, ProjectId, SessionId } from "../../src/domain/Ids.js"
import { applyTransition, createSession, type Session, type TransitionCommand } from "../../src/domain/Session.js"
import { EventStore } from "../../src/store/EventStore.js"
import { SessionStore } from "../../src/store/SessionStore.js"
import { layerStores } from "../../src/store/sqlite/index.js"
import { mycoAsync, repoRoot, type RunResult, runNode, tempProject, type TempProject } from "../support/cli.js"
import { type RunningDaemon, startDaemon } from "../support/daemon.js"

/** The version the build stamps into the bundles (package.json). */
const VERSION: string = (() => {
  const pkg: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"))
  if (typeof pkg !== "object" || pkg === null || !("version" in pkg) || typeof pkg.version !== "string") throw new Error("package.json has no version")
  return pkg.version
})()

/** Generous: a busy two-core machine runs three processes per command line. */
const TIMEOUT = 600_000

let project: TempProject
let ids: ReadonlyArray<string> = []

const readBundle = path.join(repoRoot, "dist", "myco-read.cjs")

/**
 * Runs one command line through the launcher: read path first (the default), or the full CLI only.
 * Asynchronously, so that the test worker's event loop turns while the processes run.
 */
const run = (
  args: ReadonlyArray<string>,
  options: { readonly fullOnly: boolean; readonly cwd?: string; readonly env?: NodeJS.ProcessEnv }
): Promise<RunResult> =>
  mycoAsync(args, {
    cwd: options.cwd ?? project.dir,
    env: { ...(options.env ?? project.env), ...(options.fullOnly ? { MYCO_READ_PATH: "off" } : {}) }
  })

/** What the read path alone does with each command line: "Answered", or "Declined: <reason>". */
const outcomes = async (
  lines: ReadonlyArray<ReadonlyArray<string>>,
  options?: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv }
): Promise<ReadonlyArray<string>> => {
  const script = `
    const read = require(${JSON.stringify(readBundle)})
    const lines = JSON.parse(process.argv[1])
    ;(async () => {
      const out = []
      for (const args of lines) {
        const o = await read.answer(args, { cwd: process.cwd(), env: process.env })
        out.push(o._tag === "Answered" ? "Answered" : "Declined: " + o.reason)
      }
      process.stdout.write(JSON.stringify(out))
    })()`
  const result = await runNode("-e", [script, JSON.stringify(lines)], undefined, { cwd: options?.cwd ?? project.dir, env: options?.env ?? project.env })
  if (result.status !== 0) throw new Error(`the read bundle failed: ${result.stderr}`)
  const parsed: unknown = JSON.parse(result.stdout)
  if (!Array.isArray(parsed) || !parsed.every((o) => typeof o === "string")) throw new Error(`unexpected outcomes: ${result.stdout}`)
  return parsed
}

/** The parts of `myco status` that move between two calls: uptimes and the connection count. */
const steady = (text: string): string =>
  text
    .replace(/\bup \d+(h\d+m|m\d+s|s)/g, "up T")
    .replace(/"uptimeMs": [\d.e+-]+/g, `"uptimeMs": T`)
    .replace(/, \d+ connections?/g, ", N connections")
    .replace(/"connections": \d+/g, `"connections": N`)

/** Runs each command line both ways and expects the very same outcome. */
const expectSame = async (
  lines: ReadonlyArray<ReadonlyArray<string>>,
  options?: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly normalise?: (text: string) => string }
) => {
  const normalise = options?.normalise ?? ((text: string) => text)
  for (const args of lines) {
    const full = await run(args, { ...options, fullOnly: true })
    const read = await run(args, { ...options, fullOnly: false })
    const what = `myco ${args.join(" ")}`
    expect(read.status, what).toBe(full.status)
    expect(normalise(read.stdout), what).toBe(normalise(full.stdout))
    expect(normalise(read.stderr), what).toBe(normalise(full.stderr))
  }
}

const T0 = Date.UTC(2026, 10, 24, 22, 0, 0)
const agents = ["claude-code", "codex", "cursor", "cli", "gemini-cli"] as const
/** The steps each fifth of the sessions takes: every status, and a session that went round twice. */
const journeys: ReadonlyArray<ReadonlyArray<TransitionCommand>> = [
  [],
  ["complete"],
  ["complete", "process"],
  ["complete", "process", "archive"],
  ["complete", "reopen", "complete", "process", "archive", "restore"]
]

/** 50 sessions through the real SQLite stores: every status, agent, lineage, odd titles, events on some. */
const seed = (file: string) =>
  Effect.gen(function* () {
    const store = yield* SessionStore
    const events = yield* EventStore
    const made: Array<string> = []
    for (let i = 0; i < 50; i++) {
      const at = (ms: number) => DateTime.unsafeMake(T0 + i * 60_000 + ms)
      const id = i % 7 === 0 ? `sess-${i}` : `0199${String(i).padStart(4, "0")}-0000-8000-8000-00000000000${i % 10}`
      const [created, record] = createSession(
        {
          id: SessionId.make(id),
          projectId: ProjectId.make("00000000-0000-4000-8000-000000000001"),
          machineId: MachineId.make("00000000-0000-4000-8000-000000000002"),
          agent: AgentName.make(agents[i % agents.length] ?? "cli"),
          parentId: i % 6 === 5 ? SessionId.make(made[i - 1] ?? "") : null,
          capabilities: { capture: true, intelligence: i % 4 !== 0 },
          boundary: { root: "/project", outsideScope: i % 3 === 0 ? "drop" : "record", excludePaths: [".env", "*.pem"], redactSecrets: true, maxFieldBytes: 65536, maxEventBytes: 262144 },
          metadata: {
            cwd: i % 9 === 0 ? null : "/project",
            branch: i % 2 === 0 ? "main" : null,
            transcriptPath: i % 5 === 0 ? `/transcripts/${i}.jsonl` : null,
            title: i % 8 === 0 ? null : `session ${i}: fix the parser — ünïcødé  "quoted"`
          }
        },
        at(0),
        "created in test",
        "test"
      )
      yield* store.create(created, record)
      let session: Session = created
      const journey = journeys[i % journeys.length] ?? []
      for (const [n, command] of journey.entries()) {
        const moved = applyTransition(session, command, at(1000 * (n + 1)), `${command} #${n}`, "cli")
        if (Either.isLeft(moved)) throw new Error(moved.left.message)
        yield* store.transition(moved.right[0], session, moved.right[1])
        session = moved.right[0]
        // Events while active, and one that arrives late, once the session completed.
        if (i % 4 === 1 && command === "complete" && n === 0) {
          yield* events.append([
            new CapturedEvent({ idempotencyId: IdempotencyId.make(`late-${i}`), sessionId: created.id, kind: EventKind.make("tool_use"), at: at(500), payload: { tool: { name: "Bash" }, input: { command: "ls" } } })
          ])
        }
      }
      if (i % 4 === 1 || i === 0) {
        // Reported out of order: the show lists them in the order they happened.
        yield* events.append(
          [3, 1, 2].map(
            (k) =>
              new CapturedEvent({
                idempotencyId: IdempotencyId.make(`ev-${i}-${k}`),
                sessionId: created.id,
                kind: EventKind.make(k === 1 ? "prompt" : "tool_result"),
                at: at(100 * k),
                payload: k === 1 ? { data: { prompt: `please\n fix   the parser, a prompt of more than sixty characters in all ${i}` } } : { response: "ok", n: k }
              })
          )
        )
      }
      made.push(id)
    }
    return made
  }).pipe(Effect.provide(layerStores({ filename: file, busyTimeoutMs: 5000, retry: { attempts: 3, baseDelayMs: 10 }, migrate: true })))

beforeAll(async () => {
  project = tempProject("myco-read-path-")
  expect((await run(["init"], { fullOnly: true })).status).toBe(0)
  // Sessions idle for ever: a supervisor started below must not complete them between two runs.
  const config = path.join(project.dir, ".myco", "myco.yaml")
  const yaml = fs.readFileSync(config, "utf8")
  expect(yaml).toContain("  idle_timeout: 30m\n")
  fs.writeFileSync(config, yaml.replace("  idle_timeout: 30m\n", "  idle_timeout: 0\n"))
  ids = await Effect.runPromise(seed(path.join(project.dir, ".myco", "myco.db")))
}, TIMEOUT)

afterAll(() => project.cleanup())

const some = () => ({ first: ids[0] ?? "", withEvents: ids[1] ?? "", archived: ids[3] ?? "", roundTwice: ids[4] ?? "", custom: ids[7] ?? "" })

/** Command lines the read path answers. */
const answered = (): ReadonlyArray<ReadonlyArray<string>> => {
  const s = some()
  return [
    ["session", "list"],
    ["session", "list", "--json"],
    ["session", "list", "--json", "--all"],
    ["session", "list", "--all"],
    ["session", "list", "--limit", "7"],
    ["session", "list", "--limit=3", "--json"],
    ["session", "list", "--limit", "50"],
    ["session", "list", "--limit", "49", "--json"],
    ["session", "list", "--status", "completed"],
    ["session", "list", "--status", "archived", "--json", "--limit", "2"],
    ["session", "list", "--status=processed", "--agent", "codex"],
    ["session", "list", "--agent", "cursor", "--all", "--limit", "1"],
    ["session", "list", "--agent", "nobody"],
    ["session", "list", "--agent", "nobody", "--json"],
    ["session", "list", "--json", "--vault", project.dir],
    ["session", "list", `--vault=${path.join(project.dir, ".myco")}`, "--limit", "2"],
    ["session", "show", s.first],
    ["session", "show", s.withEvents],
    ["session", "show", s.withEvents, "--json"],
    ["session", "show", "--json", s.roundTwice],
    ["session", "show", s.archived, "--no-events"],
    ["session", "show", "--no-events", "--json", s.custom],
    ["session", "show", s.custom, "--vault", project.dir],
    ["session", "show", "nope"],
    ["session", "show", "nope", "--json"],
    ["status"],
    ["status", "--json"],
    ["status", "--vault", project.dir, "--json"]
  ]
}

/** Command lines the read path leaves to the full CLI: errors, and spellings only the full CLI reads. */
const declined = (): ReadonlyArray<ReadonlyArray<string>> => {
  const s = some()
  return [
    ["session", "list", "--limit", "0"],
    ["session", "list", "--limit", "-3"],
    ["session", "list", "--limit", "x"],
    ["session", "list", "--limit", "05"],
    ["session", "list", "--limit"],
    ["session", "list", "--status", "bogus"],
    ["session", "list", "--agent", "Not-An-Agent"],
    ["session", "list", "--bogus"],
    ["session", "list", "--JSON"],
    ["session", "list", "--json", "yes"],
    ["session", "list", "--json", "--json"],
    ["session", "list", "--limit", "2", "--limit", "3"],
    ["session", "list", "extra"],
    ["session", "list", "--vault", path.join(project.dir, "nowhere")],
    ["session", "list", "--help"],
    ["session", "show"],
    ["session", "show", "a/b"],
    ["session", "show", s.first, s.custom],
    ["session", "show", "--no-events", "yes"],
    ["session", "show", s.first, "--json", "true"],
    ["session", "show", "--", s.first],
    ["status", "--bogus"],
    ["status", "extra"],
    ["status", "--vault", path.join(project.dir, "nowhere")]
  ]
}

describe("the read path, with no supervisor", () => {
  it(
    "answers the read commands exactly as the full CLI does",
    async () => {
      // The first full run validates the edited myco.yaml, and remembers it for the read path.
      await expectSame(answered())
      expect(await outcomes(answered())).toEqual(answered().map(() => "Answered"))
    },
    TIMEOUT
  )

  it(
    "leaves bad input and other spellings to the full CLI, whose answer is the same either way",
    async () => {
      await expectSame(declined())
      expect((await outcomes(declined())).filter((o) => o === "Answered")).toEqual([])
    },
    TIMEOUT
  )

  it(
    "leaves to the full CLI a vault it would create things in or report on, and a myco.yaml it has not validated",
    async () => {
      const other = tempProject("myco-read-path-other-")
      try {
        const where = { cwd: other.dir, env: other.env }
        const list = ["session", "list", "--json"]
        // No vault at all.
        expect(await outcomes([list], where)).toEqual(["Declined: no vault found"])
        await expectSame([list], where)
        // A fresh vault: init remembered its myco.yaml; the first command makes the machine id.
        expect((await run(["init"], { ...where, fullOnly: true })).status).toBe(0)
        expect(await outcomes([list], where)).toEqual(["Declined: machine-id"])
        await expectSame([list], where)
        expect(await outcomes([list], where)).toEqual(["Answered"])
        // A vault without its database (the full CLI creates it).
        fs.rmSync(path.join(other.dir, ".myco", "myco.db"))
        expect(await outcomes([list], where)).toEqual(["Declined: myco.db is missing or not writable"])
        expect((await run(list, { ...where, fullOnly: false })).stdout).toBe("[]\n")
        expect(await outcomes([list], where)).toEqual(["Answered"])
        // A myco.yaml text the full CLI has not validated yet: declined once, answered after.
        const config = path.join(other.dir, ".myco", "myco.yaml")
        fs.writeFileSync(config, "store:\n  busy_timeout_ms: 2500\n")
        expect(await outcomes([list], where)).toEqual(["Declined: myco.yaml not known to be valid"])
        await expectSame([list], where)
        expect(await outcomes([list], where)).toEqual(["Answered"])
        // An invalid one, with the full CLI's report.
        fs.writeFileSync(config, "store:\n  busy_timeout: 2500\n")
        expect(await outcomes([list, ["status"]], where)).toEqual(["Declined: myco.yaml not known to be valid", "Declined: myco.yaml not known to be valid"])
        await expectSame([list, ["status"]], where)
        expect((await run(["status"], { ...where, fullOnly: false })).status).toBe(78)
        // Valid again (empty: every default).
        fs.writeFileSync(config, "")
        await expectSame([list], where)
        // A supervisor that died and left its daemon.json: not running, as the full CLI says; one of
        // another version is the full CLI's to ask.
        const info = path.join(other.dir, ".myco", "run", "daemon.json")
        const stale = (version: string) =>
          fs.writeFileSync(
            info,
            JSON.stringify({ pid: 2 ** 22 + 1, version, socket: path.join(other.dir, ".myco", "run", "gone.sock"), startedAt: "2026-01-01T00:00:00.000Z" }),
            { mode: 0o600 }
          )
        stale(VERSION)
        const withStale = [["status"], ["status", "--json"], list]
        expect(await outcomes(withStale, where)).toEqual(["Answered", "Answered", "Answered"])
        await expectSame(withStale, where)
        stale("0.0.1-elsewhere")
        expect(await outcomes([list], where)).toEqual(["Declined: a supervisor of myco 0.0.1-elsewhere is recorded"])
        await expectSame(withStale, where)
        fs.rmSync(info)
        // A machine id that went missing, and a project.json that is not one.
        fs.rmSync(path.join(other.env["MYCO_HOME"] ?? "", "machine-id"))
        expect(await outcomes([list], where)).toEqual(["Declined: machine-id"])
        await expectSame([list], where)
        fs.writeFileSync(path.join(other.dir, ".myco", "project.json"), "{}\n")
        expect(await outcomes([list], where)).toEqual(["Declined: project.json"])
        await expectSame([list], where)
      } finally {
        other.cleanup()
      }
    },
    TIMEOUT
  )
})

describe("the read path, with a supervisor running", () => {
  let daemon: RunningDaemon | undefined
  beforeAll(async () => {
    daemon = await startDaemon(project)
  }, TIMEOUT)
  afterAll(async () => {
    if (daemon === undefined) return
    daemon.child.kill("SIGTERM")
    await daemon.exited
  }, TIMEOUT)

  it(
    "answers the read commands exactly as the full CLI does through the supervisor",
    async () => {
      const s = some()
      const lines = [
        ["session", "list", "--json"],
        ["session", "list", "--status", "active", "--limit", "3"],
        ["session", "show", s.withEvents, "--json"],
        ["session", "show", s.roundTwice],
        ["session", "show", "nope"],
        ["status"],
        ["status", "--json"]
      ]
      await expectSame(lines, { normalise: steady })
      // A running supervisor's status (intake, spools, losses, harnesses) is the full CLI's to render.
      expect(await outcomes(lines)).toEqual(
        lines.map((line) => (line[0] === "status" ? "Declined: a running supervisor's status is the full CLI's to render" : "Answered"))
      )
    },
    TIMEOUT
  )
})
