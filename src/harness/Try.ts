/**
 * An ad-hoc run (`myco harness try`): the request it makes of the registry, the same whether the
 * supervisor carries it out or the command does in-process. Its task is `try`, its capability the
 * one asked for or the harness's first, its instructions the prompt given.
 */
import { BUILTIN_CAPABILITIES, type ManifestEntry } from "./Manifests.js"
import type { RunRequest } from "./Registry.js"

/** The run request of `myco harness try`. */
export const tryRequest = (
  entries: ReadonlyArray<ManifestEntry>,
  request: { readonly harness: string; readonly sessionId: string; readonly prompt: string; readonly capability?: string | undefined }
): RunRequest => {
  const entry = entries.find((e) => e._tag === "Valid" && e.manifest.name === request.harness)
  const first = entry?._tag === "Valid" ? entry.manifest.capabilities[0] : undefined
  return {
    sessionId: request.sessionId,
    task: "try",
    capability: request.capability ?? first ?? BUILTIN_CAPABILITIES[0] ?? "title-summary",
    harness: request.harness,
    priority: 1,
    instructions: request.prompt
  }
}
