/**
 * Hook events that named no session: kept apart (nothing a hook delivered is lost), and worth a
 * look at the hooks that sent them.
 */
import { Effect } from "effect"
import { EventStore } from "../../store/EventStore.js"
import { ok, type StoreDiagnosis } from "../Check.js"

/** No hook event went unattributed. */
export const unattributed: StoreDiagnosis = () =>
  Effect.gen(function* () {
    const { count, newest } = yield* (yield* EventStore).unattributedSummary
    if (count === 0 || newest === null) return [ok("unattributed", "every hook event named its session")]
    return [
      {
        result: {
          check: "unattributed",
          status: "warn",
          detail: `${count} hook events named no session and are kept apart (newest: ${newest.agent} ${newest.event}, ${newest.reason})`,
          hint: "a hook got empty or malformed input, or is installed for the wrong agent: check the agent's hook config",
          fix: "myco hooks status"
        }
      }
    ]
  })
