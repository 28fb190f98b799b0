/**
 * The text of myco.yaml.example: every key with its default and what it does. `myco init` writes
 * it as a new vault's myco.yaml. A test checks that the file at the repository root is this text
 * and that it parses to the defaults, so the documentation cannot drift from the code.
 */
export const EXAMPLE_CONFIG = `# myco.yaml: configuration of a myco vault. Every key is optional; the values shown are
# the defaults. Check a change with \`myco doctor\`.

# Config format version. 1 is the only one so far.
version: 1

agents:
  # Agents that may create sessions in this vault (the name each hook passes with --agent;
  # \`cli\` is \`myco session create\` by hand). A session from any other agent is refused;
  # its refused hook events are counted, and \`myco doctor\` and \`myco hooks status\` report them.
  allowed:
    - claude-code
    - codex
    - cursor
    - gemini-cli
    - vscode-copilot
    - windsurf
    - cli

sessions:
  # Capability flags given to new sessions, recorded with each session.
  # capture: the session's hook events are stored (false: its lifecycle is tracked,
  # its events are not kept).
  capture: true
  # intelligence: intelligence tasks may run on the session once it is completed.
  intelligence: true
  # An active session with no activity for this long is completed by the supervisor
  # (reason recorded). A duration: 250ms, 30s, 15m, 2h, 7d; 0 for never.
  idle_timeout: 30m

# The capture boundary given to each new session, recorded with it and applied to every
# hook event of the session before it is stored (what was withheld is recorded with the
# event, under \`boundary\`).
capture:
  # Paths outside the project root: \`record\` stores that the path was touched, without
  # reading its content; \`drop\` leaves such references out entirely.
  outside_scope: record
  # Path globs whose content is never captured (matched against paths relative to the
  # project root and against file names).
  exclude_paths:
    - .env
    - .env.*
    - "*.pem"
    - "*.key"
    - "*.p12"
    - "*.pfx"
    - id_*
    - .ssh/**
    - .aws/**
    - .netrc
    - .npmrc
    - .pypirc
    - "**/secrets/**"
  # Redact secret-looking content (cloud and VCS tokens, private key blocks, bearer
  # tokens, password assignments); each redaction is recorded.
  redact_secrets: true
  # Largest single field of an event, in bytes (256 to 16777216); longer ones are
  # truncated with a marker and their original size.
  max_field_bytes: 65536
  # Largest event, in bytes (1024 to 67108864).
  max_event_bytes: 262144

# How the vault's SQLite database (.myco/myco.db) is used.
store:
  # How long a writer waits for another process's lock before reporting busy (0 to 600000).
  busy_timeout_ms: 5000
  # How many times a busy database is retried, with exponential backoff and jitter (0 to 100).
  retry_attempts: 8
  # First backoff delay in milliseconds; it doubles each retry (1 to 10000).
  retry_base_delay_ms: 10
  # How often the supervisor folds the write-ahead log into the database (it also does so
  # whenever the log passes 4 MiB), checking the database file before and after. A duration;
  # 0 leaves only the size-driven checkpoints.
  checkpoint_interval: 1m
  # How often the supervisor reads the whole database afresh to check its structure
  # (PRAGMA quick_check: about 1 ms per MB, during which captures wait). It is also run on
  # start, and after any checkpoint or disk error. A duration; 0 for never (not advised).
  quick_check_interval: 5m

# The supervisor process (\`myco run\`).
daemon:
  # With no active session and no client for this long, the supervisor exits by itself
  # (clients start it again). 0 keeps it running.
  idle_exit: 15m
  # Largest frame a client may send on the socket, in bytes (65536 to 268435456).
  max_frame_bytes: 8388608
  # Deepest nesting of arrays and objects a frame may have (16 to 1024); deeper frames are
  # refused with a typed error before they are decoded.
  max_frame_depth: 128
  # Most client connections served at once (4 to 65536); past it a new connection is refused
  # with a typed error and closed, and the others go on.
  max_connections: 256
  # Most bytes held across every connection's unfinished frame (1048576 to 4294967296); the
  # connection whose frame would pass it is refused and closed, never the others.
  max_buffered_bytes: 67108864
  # How many capture requests may wait to be committed before clients are slowed down
  # (16 to 1000000).
  ingest_queue: 4096
  # Most events committed in one transaction (1 to 100000).
  max_batch_events: 2000
  # Room kept in reserve in the vault's spool, in bytes (0 to 1073741824; 0: none): written
  # while the disk has plenty, given back a piece at a time to hooks that find the disk full,
  # so that their events are still spooled; topped up again once space returns.
  spool_reserve_bytes: 4194304

# Harnesses: the runtimes intelligence tasks run on (docs/harnesses.md). Harnesses are declared in
# .agents/harnesses/*.yaml, beside the built-in \`builtin\`; these are the defaults they share.
harness:
  # Runs that may be running at once, over every harness (1 to 256).
  max_concurrent: 2
  # The sum of the memory limits of the running harnesses stays within this size (64KiB,
  # 512MiB, 2GiB); a run whose limit would pass it waits. The built-in harness counts for 0.
  memory_budget: 2GiB
  # How many times a run that failed with a transient error (connection refused, 429, 5xx)
  # is tried again, with exponential backoff and jitter (0 to 20).
  transient_retries: 3
  # Harness names to try first, in order, per capability, e.g.
  #   preference:
  #     title-summary: [local-model, builtin]
  # Harnesses not listed come after, in name order, the built-in ones last.
  preference: {}
  # Runs a harness may have at once when its manifest does not say (1 to 64).
  concurrency: 1
  # Limits of a run when its manifest does not say; each is enforced in code.
  limits:
    # Wall-clock time of one run (a duration, as above).
    timeout: 5m
    # Memory of the run's whole process group (a size; 0 for no limit).
    memory: 512MiB
    # Bytes a run may write as its answer (a size).
    output: 1MiB
    # Model turns (1 to 10000).
    turns: 20
    # Model tokens, input and output together (1 to 100000000).
    tokens: 200000
  # The circuit breaker of a harness: after this many consecutive agent failures it opens (its
  # runs go to the next harness by preference) and after the cooldown it lets one run try again.
  circuit:
    failures: 3
    cooldown: 5m
`
