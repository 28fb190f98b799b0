/**
 * The typed errors of the actor kernel. They travel in the error channel, never thrown.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { ActorFailure, FailureSummary } from "./ActorFailure.js"

/** An `ask` got no reply within its timeout. */
export class AskTimeout extends Data.TaggedError("AskTimeout")<{
  readonly actor: string
  readonly timeoutMillis: number
}> {
  constructor(args: { readonly actor: string; readonly timeoutMillis: number }) {
    super(args)
    this.message = `no reply from ${args.actor} within ${args.timeoutMillis} ms`
  }
}

/** The actor has stopped for good (or was never started): the message was not accepted. */
export class ActorStopped extends Data.TaggedError("ActorStopped")<{
  readonly actor: string
}> {
  constructor(args: { readonly actor: string }) {
    super(args)
    this.message = `actor ${args.actor} has stopped`
  }
}

/** `tryTell` found the mailbox full. */
export class MailboxFull extends Data.TaggedError("MailboxFull")<{
  readonly actor: string
  readonly capacity: number
}> {
  constructor(args: { readonly actor: string; readonly capacity: number }) {
    super(args)
    this.message = `mailbox of ${args.actor} is full (${args.capacity} messages)`
  }
}

/** The message killed its actor too many times and was dead-lettered instead of handled. */
export class MessageDeadLettered extends Data.TaggedError("MessageDeadLettered")<{
  readonly actor: string
}> {
  constructor(args: { readonly actor: string }) {
    super(args)
    this.message = `message to ${args.actor} was dead-lettered after killing it repeatedly`
  }
}

/** Everything an `ask` can fail with besides the reply's own error. */
export type AskError = AskTimeout | ActorStopped | MessageDeadLettered

/** An actor could not be started: its init failed and the decider did not retry it. */
export class StartFailed extends Data.TaggedError("StartFailed")<{
  readonly actor: string
  readonly failure: ActorFailure<unknown>
}> {
  constructor(args: { readonly actor: string; readonly failure: ActorFailure<unknown> }) {
    super(args)
    this.message = `actor ${args.actor} failed to start`
  }
}

/**
 * A supervisor saw more restarts than its intensity allows within its period: it stopped its
 * children and fails with this error, which its parent's decider receives.
 */
export class RestartIntensityExceeded extends Data.TaggedError("RestartIntensityExceeded")<{
  readonly supervisor: string
  readonly intensity: number
  readonly periodMillis: number
  /** The child whose failure went over the limit. */
  readonly child: string
  readonly lastFailure: FailureSummary | undefined
}> {
  constructor(args: {
    readonly supervisor: string
    readonly intensity: number
    readonly periodMillis: number
    readonly child: string
    readonly lastFailure: FailureSummary | undefined
  }) {
    super(args)
    this.message =
      `supervisor ${args.supervisor}: more than ${args.intensity} restarts in ${args.periodMillis} ms ` +
      `(last: ${args.child})`
  }
}

/** A dynamic supervisor already has a child with this id. */
export class ChildAlreadyStarted extends Data.TaggedError("ChildAlreadyStarted")<{
  readonly supervisor: string
  readonly child: string
}> {
  constructor(args: { readonly supervisor: string; readonly child: string }) {
    super(args)
    this.message = `supervisor ${args.supervisor} already has a child ${args.child}`
  }
}

/** The supervisor has no child for this spec or id. */
export class NoSuchChild extends Data.TaggedError("NoSuchChild")<{
  readonly supervisor: string
  readonly child: string
}> {
  constructor(args: { readonly supervisor: string; readonly child: string }) {
    super(args)
    this.message = `supervisor ${args.supervisor} has no child ${args.child}`
  }
}
