/**
 * The reply handle of a request: a message that expects an answer carries a `Reply<A, E>`, and
 * the handler completes it, as Akka Typed's `replyTo`. `ask` creates the handle, puts it in the
 * message and waits for it with a timeout.
 *
 * Define message constructors that take the reply, so that `ask` infers the reply type:
 *
 * ```ts
 * type Counter = { readonly _tag: "Get"; readonly reply: Reply<number> } | { readonly _tag: "Add"; readonly n: number }
 * const Get = (reply: Reply<number>): Counter => ({ _tag: "Get", reply })
 * const n = yield* counter.ask(Get)
 * ```
 *
 * @since 0.1.0
 */
import { Deferred, Effect, FiberId } from "effect"
import type { AskError } from "./ActorError.js"

/**
 * Why the kernel itself completes a reply: the message will never be handled (the actor stopped,
 * the message was dead-lettered) or the asker gave up waiting.
 */
export type Undeliverable = AskError

/** The reply handle of a request. Complete it once from the handler. */
export class Reply<A, E = never> {
  readonly #deferred: Deferred.Deferred<A, E | Undeliverable>
  #listeners: Array<() => void> | undefined = undefined

  /** Prefer {@link make}; this constructor is for the kernel and for tests of behaviours. */
  constructor(deferred: Deferred.Deferred<A, E | Undeliverable>) {
    this.#deferred = deferred
  }

  /** Replies with a value. Returns false if the reply was already completed. */
  succeed(value: A): Effect.Effect<boolean> {
    return this.#notifying(Deferred.succeed(this.#deferred, value))
  }

  /** Replies with the request's typed error. Returns false if the reply was already completed. */
  fail(error: E): Effect.Effect<boolean> {
    return this.#notifying(Deferred.fail(this.#deferred, error))
  }

  /** Runs `effect` and replies with its outcome. */
  complete(effect: Effect.Effect<A, E>): Effect.Effect<boolean> {
    return this.#notifying(Deferred.complete(this.#deferred, effect))
  }

  /** Waits for the reply. `ask` adds the timeout. */
  get await(): Effect.Effect<A, E | Undeliverable> {
    return Deferred.await(this.#deferred)
  }

  /** Completes the reply on behalf of a message that will never be handled. */
  reject(error: Undeliverable): Effect.Effect<boolean> {
    return this.#notifying(Deferred.fail(this.#deferred, error))
  }

  /**
   * @internal Calls `listener` once the reply is completed; returns a function that removes it.
   * Lets a sender blocked on a full mailbox give up when its ask times out.
   */
  onDone(listener: () => void): () => void {
    if (this.#listeners === undefined) this.#listeners = [listener]
    else this.#listeners.push(listener)
    return () => {
      const index = this.#listeners?.indexOf(listener) ?? -1
      if (index >= 0) this.#listeners?.splice(index, 1)
    }
  }

  #notifying(completion: Effect.Effect<boolean>): Effect.Effect<boolean> {
    return Effect.map(completion, (done) => {
      const listeners = this.#listeners
      if (done && listeners !== undefined) {
        this.#listeners = undefined
        for (const listener of listeners) listener()
      }
      return done
    })
  }
}

/** Creates a reply handle, e.g. to unit-test a behaviour's `receive` without an actor. */
export const make = <A, E = never>(): Effect.Effect<Reply<A, E>> =>
  Effect.map(Deferred.make<A, E | Undeliverable>(), (deferred) => new Reply(deferred))

/** @internal Creates a reply handle outside of an effect (for the hot path of `ask`). */
export const unsafeMake = <A, E>(): Reply<A, E> => new Reply(Deferred.unsafeMake<A, E | Undeliverable>(FiberId.none))
