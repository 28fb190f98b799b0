/**
 * Effect metrics of the actor kernel. Restarts and escalations are tagged with the supervisor's
 * path (few values); dead letters and mailbox depth are process-wide, because tagging them per
 * actor would create one time series per session.
 *
 * @since 0.1.0
 */
import { Effect, Metric } from "effect"
import { totalQueued } from "./internal/mailbox.js"

/** Child restarts performed by supervisors, tagged `supervisor`. */
export const restarts = Metric.counter("actor_restarts_total", {
  description: "Child restarts performed by supervisors",
  incremental: true
})

/** Failures a supervisor passed to its parent (escalation or intensity exceeded), tagged `supervisor`. */
export const escalations = Metric.counter("actor_escalations_total", {
  description: "Failures escalated by supervisors to their parents",
  incremental: true
})

/** Messages dead-lettered, as poison or undelivered. */
export const deadLetters = Metric.counter("actor_dead_letters_total", {
  description: "Messages dead-lettered by actors",
  incremental: true
})

/**
 * Messages queued in all mailboxes of the process. Updated when an actor drains its mailbox and
 * whenever a snapshot is taken, not on every message: a metric update per message would cost as
 * much as the message itself.
 */
export const mailboxDepth = Metric.gauge("actor_mailbox_depth", {
  description: "Messages queued in the mailboxes of all actors of this process"
})

/** Writes the current process-wide mailbox depth to {@link mailboxDepth}. */
export const updateMailboxDepth: Effect.Effect<void> = Effect.suspend(() => Metric.set(mailboxDepth, totalQueued()))
