/**
 * What each agent's hooks print on stdout: the one part of the agents' knowledge the hook binary
 * needs on every event. Kept apart from the registry (index.ts, which holds the contracts and
 * installers too), so that the hook bundles a few hundred bytes instead of every normaliser;
 * index.ts checks that every registered agent has its reply here, and uses the same functions.
 */
import { claudeCodeReply } from "./claude-code/reply.js"
import { codexReply } from "./codex/reply.js"
import { cursorReply } from "./cursor/reply.js"
import { geminiCliReply } from "./gemini-cli/reply.js"
import { vscodeCopilotReply } from "./vscode-copilot/reply.js"
import { windsurfReply } from "./windsurf/reply.js"

/** Each agent's reply, by the agent's name. */
export const REPLIES: Readonly<Record<string, (eventName: string) => string>> = {
  "claude-code": claudeCodeReply,
  codex: codexReply,
  cursor: cursorReply,
  "gemini-cli": geminiCliReply,
  "vscode-copilot": vscodeCopilotReply,
  windsurf: windsurfReply
}

/** What `myco-hook <eventName> --agent <agent>` prints on stdout ('' for nothing; never throws). */
export const replyFor = (agent: string, eventName: string): string =>
  (Object.hasOwn(REPLIES, agent) ? REPLIES[agent] : undefined)?.(eventName) ?? ""
