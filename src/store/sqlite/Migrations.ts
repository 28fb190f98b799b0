/**
 * The vault database's schema, as numbered migrations. A migration is never edited once released:
 * changes come as new migrations. The history of transitions is append-only, enforced by triggers.
 */
import * as Migrator from "@effect/sql/Migrator"
import { SqlClient } from "@effect/sql/SqlClient"
import { Effect } from "effect"

/** Name of the table in which the migrator records applied migrations. */
export const MIGRATIONS_TABLE = "myco_migrations"

const initial = Effect.gen(function* () {
  const sql = yield* SqlClient
  yield* sql`CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL,
    machine_id TEXT NOT NULL,
    agent TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'processed', 'archived')),
    version INTEGER NOT NULL CHECK (version >= 1),
    parent_id TEXT REFERENCES sessions(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    completed_at INTEGER,
    processed_at INTEGER,
    archived_at INTEGER,
    last_activity_at INTEGER NOT NULL,
    capabilities TEXT NOT NULL,
    boundary TEXT NOT NULL,
    cwd TEXT,
    branch TEXT,
    transcript_path TEXT,
    title TEXT,
    event_count INTEGER NOT NULL DEFAULT 0,
    late_event_count INTEGER NOT NULL DEFAULT 0,
    last_event_seq INTEGER NOT NULL DEFAULT 0
  ) STRICT`
  yield* sql`CREATE INDEX sessions_by_status ON sessions (status, created_at)`
  yield* sql`CREATE INDEX sessions_by_created ON sessions (created_at, id)`
  yield* sql`CREATE INDEX sessions_by_parent ON sessions (parent_id) WHERE parent_id IS NOT NULL`

  yield* sql`CREATE TABLE transitions (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    version INTEGER NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    command TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (session_id, version)
  ) STRICT`
  yield* sql`CREATE TRIGGER transitions_append_only_update BEFORE UPDATE ON transitions
    BEGIN SELECT RAISE(ABORT, 'transitions are append-only'); END`
  yield* sql`CREATE TRIGGER transitions_append_only_delete BEFORE DELETE ON transitions
    BEGIN SELECT RAISE(ABORT, 'transitions are append-only'); END`

  yield* sql`CREATE TABLE events (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    idempotency_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    late INTEGER NOT NULL CHECK (late IN (0, 1)),
    payload TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
  ) STRICT`

  yield* sql`CREATE TABLE runs (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    task TEXT NOT NULL,
    harness TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempt INTEGER NOT NULL DEFAULT 1,
    queued_at INTEGER NOT NULL,
    started_at INTEGER,
    ended_at INTEGER,
    failure TEXT,
    result TEXT
  ) STRICT`
  yield* sql`CREATE INDEX runs_by_session ON runs (session_id, queued_at)`
})

/**
 * Hook events that name no session (empty or malformed input, an agent contract we do not know):
 * kept apart so that nothing a hook delivered is lost, and shown by `myco doctor`.
 */
const unattributed = Effect.gen(function* () {
  const sql = yield* SqlClient
  yield* sql`CREATE TABLE unattributed (
    idempotency_id TEXT PRIMARY KEY NOT NULL,
    agent TEXT NOT NULL,
    event TEXT NOT NULL,
    at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT NOT NULL
  ) STRICT`
  yield* sql`CREATE INDEX unattributed_by_received ON unattributed (received_at)`
})

/**
 * Hook events the supervisor refused (the agent is not in `agents.allowed`, or capture is off),
 * counted per agent: they are not stored, but `myco doctor` and `myco hooks status` say how many
 * there were, and when the last one came. `warned_at` is when the supervisor last logged it.
 */
const refusals = Effect.gen(function* () {
  const sql = yield* SqlClient
  yield* sql`CREATE TABLE refusals (
    agent TEXT PRIMARY KEY NOT NULL,
    count INTEGER NOT NULL CHECK (count >= 1),
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    last_event TEXT NOT NULL,
    last_reason TEXT NOT NULL CHECK (last_reason IN ('agent-not-allowed', 'capture-off')),
    warned_at INTEGER NOT NULL
  ) STRICT`
})

/**
 * Runs as the harness scheduler records them: the capability asked for, the priority, the failure
 * class apart from its message, and the diagnostics, limits and usage as JSON. `harness` is ''
 * while a queued run has no harness yet.
 */
const harnessRuns = Effect.gen(function* () {
  const sql = yield* SqlClient
  yield* sql`ALTER TABLE runs ADD COLUMN capability TEXT NOT NULL DEFAULT ''`
  yield* sql`ALTER TABLE runs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE runs ADD COLUMN failure_class TEXT CHECK (failure_class IS NULL OR failure_class IN ('TransientError', 'ConfigError', 'SystemError', 'AgentError'))`
  yield* sql`ALTER TABLE runs ADD COLUMN diagnostics TEXT`
  yield* sql`ALTER TABLE runs ADD COLUMN limits TEXT`
  yield* sql`ALTER TABLE runs ADD COLUMN usage TEXT`
  yield* sql`CREATE INDEX runs_by_status ON runs (status, queued_at)`
})

/**
 * What the vault could not keep (store/LossStore.ts): hook events that could be written nowhere,
 * one row each by idempotency id, or one row per slot of a hook's loss ledger (`ledger-<generation>-
 * <slot>-<reason>`, counting several); `acknowledged` of `count` were acknowledged by `myco doctor
 * --fix`. And the times the supervisor paused its writes because the disk was full.
 */
const losses = Effect.gen(function* () {
  const sql = yield* SqlClient
  yield* sql`CREATE TABLE lost_events (
    id TEXT PRIMARY KEY NOT NULL,
    agent TEXT NOT NULL,
    event TEXT NOT NULL,
    at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('disk-full', 'unwritable')),
    count INTEGER NOT NULL DEFAULT 1 CHECK (count >= 1),
    acknowledged INTEGER NOT NULL DEFAULT 0 CHECK (acknowledged >= 0 AND acknowledged <= count),
    acknowledged_at INTEGER
  ) STRICT`
  yield* sql`CREATE TABLE write_pauses (
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    refused INTEGER NOT NULL CHECK (refused >= 0),
    reason TEXT NOT NULL
  ) STRICT`
})

/** Every migration, by `<id>_<name>`. */
export const migrations = {
  "1_initial": initial,
  "2_unattributed": unattributed,
  "3_refusals": refusals,
  "4_losses": losses,
  "5_harness_runs": harnessRuns
} as const

/** The migrations' ids, ascending. */
export const knownMigrationIds: ReadonlyArray<number> = Object.keys(migrations)
  .map((key) => Number.parseInt(key, 10))
  .sort((a, b) => a - b)

/** The loader the migrator runs. */
export const loader = Migrator.fromRecord(migrations)
