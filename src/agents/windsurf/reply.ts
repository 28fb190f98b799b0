/**
 * What windsurf's hooks print on stdout, by event. Apart from the agent's record (index.ts) because the
 * hook binary bundles only this: the replies of every agent, and nothing of their contracts.
 */
/**
 * Windsurf (https://docs.windsurf.com/windsurf/cascade/hooks): only the exit code counts; stdout is
 * shown in Cascade's UI when `show_output` is set. Nothing.
 */
export const windsurfReply = (_eventName: string): string => ""
