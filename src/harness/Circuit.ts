/**
 * The circuit breaker of a harness, as a pure state machine over time in epoch milliseconds:
 * closed while it works; open after `failures` consecutive AgentErrors (its runs go to the next
 * harness by preference, or wait); half-open once the cooldown has passed, when one trial run is
 * let through: its success closes the circuit, its failure opens it again for another cooldown.
 * Only AgentErrors count: a transient failure says nothing about the harness, and a config error
 * is reported as such.
 */
import type { Circuit as CircuitSettings } from "./Manifest.js"

export type CircuitState =
  | { readonly _tag: "Closed"; readonly failures: number }
  | { readonly _tag: "Open"; readonly since: number; readonly until: number; readonly failures: number }
  | { readonly _tag: "HalfOpen"; readonly trial: boolean; readonly failures: number }

/** A closed circuit with no failure. */
export const closed: CircuitState = { _tag: "Closed", failures: 0 }

/** The state as of `now`: an open circuit whose cooldown is over is half-open. */
export const at = (state: CircuitState, now: number): CircuitState =>
  state._tag === "Open" && now >= state.until ? { _tag: "HalfOpen", trial: false, failures: state.failures } : state

/** Whether a run may start on the harness now. */
export const allows = (state: CircuitState, now: number): boolean => {
  const current = at(state, now)
  return current._tag === "Closed" || (current._tag === "HalfOpen" && !current.trial)
}

/** A run started: in half-open, it is the trial, and no other may start until it ends. */
export const started = (state: CircuitState, now: number): CircuitState => {
  const current = at(state, now)
  return current._tag === "HalfOpen" ? { ...current, trial: true } : current
}

/** A run succeeded: the circuit closes. */
export const succeeded = (_state: CircuitState): CircuitState => closed

/** A run ended without saying anything about the harness (transient, config, cancelled). */
export const inconclusive = (state: CircuitState, now: number): CircuitState => {
  const current = at(state, now)
  return current._tag === "HalfOpen" ? { ...current, trial: false } : current
}

/** A run failed with an AgentError. */
export const failed = (state: CircuitState, now: number, settings: CircuitSettings): CircuitState => {
  const current = at(state, now)
  const failures = current.failures + 1
  if (current._tag === "HalfOpen" || failures >= settings.failures) {
    return { _tag: "Open", since: now, until: now + settings.cooldown, failures }
  }
  return { _tag: "Closed", failures }
}

/** The state in words, for `myco status` and `myco harness list`. */
export const describe = (state: CircuitState, now: number): string => {
  const current = at(state, now)
  switch (current._tag) {
    case "Closed":
      return current.failures === 0 ? "closed" : `closed (${current.failures} consecutive failures)`
    case "Open":
      return `open for ${Math.ceil((current.until - now) / 1000)}s more (after ${current.failures} consecutive failures)`
    case "HalfOpen":
      return current.trial ? "half-open (a trial run is under way)" : "half-open (the next run is a trial)"
  }
}

/** The state's name: closed, open, half-open. */
export const name = (state: CircuitState, now: number): "closed" | "open" | "half-open" => {
  const t = at(state, now)._tag
  return t === "Closed" ? "closed" : t === "Open" ? "open" : "half-open"
}
