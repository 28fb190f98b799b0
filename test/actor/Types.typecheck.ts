/**
 * Type-level checks of the kernel's public API, verified by `tsc` (not run by vitest): the
 * services a tree needs are the union of its children's, nested ones included, and addresses are
 * typed by their spec.
 */
import { Context, Effect, type Scope } from "effect"
import { Behavior, ChildSpec, Supervisor } from "../../src/actor/index.js"

class A extends Context.Tag("A")<A, number>() {}
class B extends Context.Tag("B")<B, string>() {}
class C extends Context.Tag("C")<C, boolean>() {}

const a = ChildSpec.worker("a", Behavior.make({ init: () => A, receive: (s: number, _m: "x") => Effect.as(A, s) }))
const b = ChildSpec.worker("b", Behavior.make({ init: () => B, receive: (s: string, _m: "y") => Effect.as(B, s) }))
const c = ChildSpec.worker("c", Behavior.make({ init: () => C, receive: (s: boolean, _m: "z") => Effect.as(C, s) }))
const sub = ChildSpec.supervisor("sub", { strategy: "one_for_all", children: [c] })
const started = Supervisor.start("root", { strategy: "one_for_one", children: [a, b, sub] })

export const needsAll: Effect.Effect<Supervisor.Supervisor, unknown, A | B | C | Scope.Scope> = started
// @ts-expect-error B is needed too
export const missingB: Effect.Effect<Supervisor.Supervisor, unknown, A | C | Scope.Scope> = started
// @ts-expect-error C, needed by the nested supervisor, is needed too
export const missingNested: Effect.Effect<Supervisor.Supervisor, unknown, A | B | Scope.Scope> = started

const refA = Effect.flatMap(started, (supervisor) => Supervisor.lookup(supervisor, a))
export const typedTell = Effect.flatMap(refA, (ref) => ref.tell("x"))
// @ts-expect-error "y" is not a message of a
export const wrongMessage = Effect.flatMap(refA, (ref) => ref.tell("y"))
