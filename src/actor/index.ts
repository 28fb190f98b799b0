/**
 * A typed actor and supervision kernel on Effect: actors with bounded mailboxes and request/reply,
 * OTP supervisors (one_for_one, one_for_all, rest_for_one, dynamic) with intensity and Akka-style
 * restart backoff, deciders that map failures to directives, dead letters, passivation, snapshots
 * and metrics. It depends on `effect` only.
 *
 * @since 0.1.0
 */
export * as Actor from "./Actor.js"
export * as ActorError from "./ActorError.js"
export * as ActorFailure from "./ActorFailure.js"
export * as ActorRef from "./ActorRef.js"
export * as Backoff from "./Backoff.js"
export * as Behavior from "./Behavior.js"
export * as ChildSpec from "./ChildSpec.js"
export * as DeadLetters from "./DeadLetters.js"
export * as Decider from "./Decider.js"
export * as Directive from "./Directive.js"
export * as DynamicSupervisor from "./DynamicSupervisor.js"
export * as ExitReason from "./ExitReason.js"
export * as Metrics from "./Metrics.js"
export * as Registry from "./Registry.js"
export * as Reply from "./Reply.js"
export * as Snapshot from "./Snapshot.js"
export * as Supervisor from "./Supervisor.js"
