/**
 * Where a vault's supervisor socket is preferably: `<vault>/run/myco.sock`, when that path is
 * short enough for a Unix socket. Kept free of Effect and of `node:crypto` so that the hook
 * binary, which must start in a few milliseconds, can use it; when the path is too long, the
 * supervisor binds a hashed short path (RunFiles.ts) and records it in `run/daemon.json`.
 */
import * as path from "node:path"

/**
 * Longest socket path we bind. The kernel's limit (sun_path) is 108 bytes on Linux and 104 on
 * macOS, including the terminating NUL.
 */
export const MAX_SOCKET_PATH_BYTES = 100

/** `<vaultDir>/run/myco.sock`, or undefined when that path is too long to bind. */
export const preferredSocketPath = (vaultDir: string): string | undefined => {
  const preferred = path.join(path.resolve(vaultDir), "run", "myco.sock")
  return Buffer.byteLength(preferred) <= MAX_SOCKET_PATH_BYTES ? preferred : undefined
}
