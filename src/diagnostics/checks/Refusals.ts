/**
 * Hook events the supervisor refused: an agent whose hooks are installed and run, but whose events
 * are not kept, because it is not in `agents.allowed` (or capture is off). Its hooks exit 0 as
 * always, so without this nothing would ever say that its sessions are not captured. One result
 * per agent whose refusals still apply under the current myco.yaml.
 */
import { DateTime, Effect, Either } from "effect"
import { RefusalStore, stillRefused } from "../../store/RefusalStore.js"
import { defaultConfig } from "../../vault/Config.js"
import { type Check, ok, type StoreDiagnosis } from "../Check.js"

/** No agent's hook events are being refused. */
export const refusals: StoreDiagnosis = ({ config }) =>
  Effect.gen(function* () {
    const summary = yield* (yield* RefusalStore).summary
    const settings = Either.getOrElse(config, () => defaultConfig)
    const current = summary.filter((r) => stillRefused(r, { allowed: settings.agents.allowed, capture: settings.sessions.capture }))
    if (current.length === 0) {
      const past = summary.reduce((n, r) => n + r.count, 0)
      return [ok("refusals", past === 0 ? "no hook event was refused" : `no hook event is refused now (${past} were, before myco.yaml changed)`)]
    }
    return current.map(
      (r): Check => {
        const last = `last: ${r.lastEvent}, ${DateTime.formatIso(r.lastAt)}`
        return r.lastReason === "agent-not-allowed"
          ? {
              result: {
                check: `refusals ${r.agent}`,
                status: "warn",
                detail: `${r.count} hook events of ${r.agent} were refused (${last}): ${r.agent} is not in agents.allowed, so its hooks run but nothing they send is kept`,
                hint: `to capture ${r.agent}'s sessions, add it to agents.allowed in .myco/myco.yaml; if you do not want them, remove its hooks`,
                fix: `$EDITOR .myco/myco.yaml (agents.allowed: add ${r.agent}), or myco hooks uninstall --agent ${r.agent}`
              }
            }
          : {
              result: {
                check: `refusals ${r.agent}`,
                status: "warn",
                detail: `${r.count} hook events of ${r.agent} were refused (${last}): capture is off for its sessions`,
                hint: "sessions.capture is false in .myco/myco.yaml: sessions are created, but no event is kept",
                fix: "$EDITOR .myco/myco.yaml (sessions.capture: true)"
              }
            }
      }
    )
  })
