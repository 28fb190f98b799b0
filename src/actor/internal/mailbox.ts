/**
 * @internal
 * The bounded FIFO of an actor. A linked list rather than an Effect Queue: an idle actor must cost
 * almost nothing (an empty mailbox is two undefined fields), and the actor's processing fiber is
 * started only when the mailbox becomes non-empty, so nobody ever waits in a `take`. Senders that
 * find it full wait in `blocked`, in order, and are admitted one by one as messages are handled.
 */
import { Effect } from "effect"
import type { ActorStopped } from "../ActorError.js"
import type { Undeliverable } from "../Reply.js"

/** Something that can be told its message will never be handled: the reply of an ask. */
export interface Rejectable {
  readonly reject: (error: Undeliverable) => Effect.Effect<boolean>
  /** Calls `listener` once the reply is completed (e.g. by a timeout); returns an unsubscribe. */
  readonly onDone: (listener: () => void) => () => void
}

/** One queued message. The reply rides along so that the kernel can reject it if needed. */
export class Node<M> {
  next: Node<M> | undefined = undefined
  constructor(
    readonly message: M,
    readonly reply: Rejectable | undefined
  ) {}
}

/** A sender waiting for space. */
export interface Blocked<M> {
  readonly node: Node<M>
  readonly resume: (effect: Effect.Effect<void, ActorStopped>) => void
  /** Undoes what the sender registered besides this entry, once it is admitted or dropped. */
  detach: (() => void) | undefined
}

// Process-wide count of queued messages, read by the mailbox-depth gauge. A plain number so that
// keeping it costs nothing on the hot path.
let queued = 0

/** Messages queued in all mailboxes of the process. */
export const totalQueued = (): number => queued

/** A bounded FIFO of messages plus the senders waiting for space. */
export class Mailbox<M> {
  private first: Node<M> | undefined = undefined
  private last: Node<M> | undefined = undefined
  private blocked: Array<Blocked<M>> | undefined = undefined
  size = 0

  constructor(readonly capacity: number) {}

  /** Appends unless full. */
  tryPush(node: Node<M>): boolean {
    if (this.size >= this.capacity) return false
    this.append(node)
    return true
  }

  /** Appends regardless of capacity: for control messages that must never wait or be lost. */
  forcePush(node: Node<M>): void {
    this.append(node)
  }

  peek(): Node<M> | undefined {
    return this.first
  }

  /** Removes the head and admits the oldest blocked sender, if any. */
  shift(): void {
    const node = this.first
    if (node === undefined) return
    this.first = node.next
    if (this.first === undefined) this.last = undefined
    node.next = undefined
    this.size--
    queued--
    const blocked = this.blocked
    if (blocked !== undefined && this.size < this.capacity) {
      const next = blocked.shift()
      if (blocked.length === 0) this.blocked = undefined
      if (next !== undefined) {
        next.detach?.()
        this.append(next.node)
        next.resume(Effect.void)
      }
    }
  }

  block(node: Node<M>, resume: Blocked<M>["resume"]): Blocked<M> {
    const blocked: Blocked<M> = { node, resume, detach: undefined }
    if (this.blocked === undefined) this.blocked = [blocked]
    else this.blocked.push(blocked)
    return blocked
  }

  /** Forgets a blocked sender that was interrupted while waiting. */
  unblock(blocked: Blocked<M>): void {
    if (this.blocked === undefined) return
    const index = this.blocked.indexOf(blocked)
    if (index >= 0) this.blocked.splice(index, 1)
    if (this.blocked.length === 0) this.blocked = undefined
  }

  get blockedCount(): number {
    return this.blocked === undefined ? 0 : this.blocked.length
  }

  /** Empties the mailbox, returning the queued messages and the blocked senders. */
  drain(): { readonly nodes: ReadonlyArray<Node<M>>; readonly blocked: ReadonlyArray<Blocked<M>> } {
    const nodes: Array<Node<M>> = []
    for (let node = this.first; node !== undefined; node = node.next) nodes.push(node)
    queued -= this.size
    this.first = undefined
    this.last = undefined
    this.size = 0
    const blocked = this.blocked ?? []
    this.blocked = undefined
    for (const sender of blocked) sender.detach?.()
    return { nodes, blocked }
  }

  private append(node: Node<M>): void {
    if (this.last === undefined) this.first = node
    else this.last.next = node
    this.last = node
    this.size++
    queued++
  }
}
