/**
 * The scheduling rules, as a pure function from what is queued and what is running to what starts
 * now: a run asks for a capability (or names its harness); the harnesses that serve it are tried
 * in the configured preference order (then by name, built-in ones last), skipping invalid and
 * unavailable ones and those whose circuit does not let a run through. A run starts when a global
 * slot is free (`harness.max_concurrent`), its harness has a slot (`concurrency`), and the memory
 * limits of the running harnesses plus its own stay within `harness.memory_budget`. Runs start
 * FIFO within a priority (higher first): a run that waits keeps later runs off the harnesses it
 * waits for, and one that waits for memory keeps every later run waiting, so that a large run is
 * never starved by small ones. Runs of one session are serialised, in order.
 */
import * as Circuit from "./Circuit.js"

/** A queued run, as the scheduler sees it. */
export interface Pending {
  readonly runId: string
  readonly sessionId: string
  readonly capability: string
  /** The harness the run names (an ad-hoc run), or null to pick one by capability. */
  readonly harness: string | null
  readonly priority: number
  /** Order of arrival. */
  readonly seq: number
}

/** A running run. */
export interface Active {
  readonly runId: string
  readonly sessionId: string
  readonly harness: string
  /** Its harness's memory limit, in bytes (0 for none). */
  readonly memory: number
}

/** A harness, as the scheduler sees it. */
export interface Candidate {
  readonly name: string
  readonly capabilities: ReadonlyArray<string>
  readonly concurrency: number
  readonly memory: number
  /** Declared in myco (built in) rather than by the project. */
  readonly builtin: boolean
  /** Why it cannot run anything (invalid manifest, runtime unavailable); undefined when it can. */
  readonly unusable?: string
}

/** The global resources. */
export interface Resources {
  readonly maxConcurrent: number
  readonly memoryBudget: number
}

/** What to do now. */
export interface Plan {
  readonly starts: ReadonlyArray<{ readonly runId: string; readonly harness: string }>
  /** Runs no harness can ever serve as things are: to fail at once, with the reason. */
  readonly unservable: ReadonlyArray<{ readonly runId: string; readonly reason: string }>
  /** The circuits after the starts (a half-open circuit's trial is taken). */
  readonly circuits: ReadonlyMap<string, Circuit.CircuitState>
}

/** The harnesses that serve `capability`, in the order they are tried. */
export const orderFor = (
  capability: string,
  harnesses: ReadonlyArray<Candidate>,
  preference: Readonly<Record<string, ReadonlyArray<string>>>
): ReadonlyArray<Candidate> => {
  const serving = harnesses.filter((h) => h.capabilities.includes(capability))
  const preferred = preference[capability] ?? []
  const rank = (h: Candidate) => {
    const i = preferred.indexOf(h.name)
    return i >= 0 ? i : preferred.length + (h.builtin ? 1 : 0)
  }
  return [...serving].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
}

const sizeText = (bytes: number): string => (bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2}MiB` : `${bytes} bytes`)

/** Decides which queued runs start now. */
export const plan = (input: {
  readonly pending: ReadonlyArray<Pending>
  readonly active: ReadonlyArray<Active>
  readonly harnesses: ReadonlyArray<Candidate>
  readonly circuits: ReadonlyMap<string, Circuit.CircuitState>
  readonly preference: Readonly<Record<string, ReadonlyArray<string>>>
  readonly resources: Resources
  readonly now: number
}): Plan => {
  const { resources, now } = input
  const circuits = new Map(input.circuits)
  const circuitOf = (name: string) => circuits.get(name) ?? Circuit.closed
  const byName = new Map(input.harnesses.map((h) => [h.name, h]))
  let running = input.active.length
  let memory = input.active.reduce((n, a) => n + a.memory, 0)
  const perHarness = new Map<string, number>()
  for (const a of input.active) perHarness.set(a.harness, (perHarness.get(a.harness) ?? 0) + 1)
  const busySessions = new Set(input.active.map((a) => a.sessionId))
  const waitingSessions = new Set<string>()
  const claimed = new Set<string>()
  const starts: Array<{ runId: string; harness: string }> = []
  const unservable: Array<{ runId: string; reason: string }> = []
  const queue = [...input.pending].sort((a, b) => b.priority - a.priority || a.seq - b.seq)

  for (const run of queue) {
    const named = run.harness === null ? undefined : byName.get(run.harness)
    const candidates = run.harness === null ? orderFor(run.capability, input.harnesses, input.preference) : named === undefined ? [] : [named]
    if (candidates.length === 0) {
      unservable.push({
        runId: run.runId,
        reason: run.harness === null ? `no harness serves ${run.capability}` : `there is no harness named ${run.harness}`
      })
      continue
    }
    const usable = candidates.filter((h) => h.unusable === undefined)
    if (usable.length === 0) {
      unservable.push({ runId: run.runId, reason: candidates.map((h) => `${h.name}: ${h.unusable ?? ""}`).join("; ") })
      continue
    }
    const fitting = usable.filter((h) => h.memory <= resources.memoryBudget)
    if (fitting.length === 0) {
      unservable.push({
        runId: run.runId,
        reason: usable.map((h) => `${h.name}: its memory limit ${sizeText(h.memory)} is over harness.memory_budget ${sizeText(resources.memoryBudget)}`).join("; ")
      })
      continue
    }
    if (run.harness !== null && !Circuit.allows(circuitOf(run.harness), now) && Circuit.name(circuitOf(run.harness), now) === "open") {
      unservable.push({ runId: run.runId, reason: `the circuit of ${run.harness} is ${Circuit.describe(circuitOf(run.harness), now)}` })
      continue
    }
    if (busySessions.has(run.sessionId) || waitingSessions.has(run.sessionId)) {
      waitingSessions.add(run.sessionId)
      continue
    }
    if (running >= resources.maxConcurrent) break
    const open = fitting.filter((h) => Circuit.allows(circuitOf(h.name), now) && !claimed.has(h.name))
    const free = open.filter((h) => (perHarness.get(h.name) ?? 0) < h.concurrency)
    const chosen = free.find((h) => memory + h.memory <= resources.memoryBudget)
    if (chosen === undefined) {
      waitingSessions.add(run.sessionId)
      for (const h of open) claimed.add(h.name)
      // Waiting for memory: nothing after it may take the memory it waits for.
      if (free.length > 0) break
      continue
    }
    starts.push({ runId: run.runId, harness: chosen.name })
    running += 1
    memory += chosen.memory
    perHarness.set(chosen.name, (perHarness.get(chosen.name) ?? 0) + 1)
    busySessions.add(run.sessionId)
    circuits.set(chosen.name, Circuit.started(circuitOf(chosen.name), now))
  }
  return { starts, unservable, circuits }
}

/** When the first open circuit that a queued run may wait for half-opens (epoch ms), if any. */
export const nextWake = (circuits: ReadonlyMap<string, Circuit.CircuitState>, now: number): number | undefined => {
  let wake: number | undefined
  for (const state of circuits.values()) {
    const current = Circuit.at(state, now)
    if (current._tag === "Open" && (wake === undefined || current.until < wake)) wake = current.until
  }
  return wake
}
