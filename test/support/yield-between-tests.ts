/**
 * Lets each test worker's event loop turn between tests. Many integration tests run the binaries
 * with spawnSync, which blocks the worker; a file of such tests never yields between them, and on
 * a busy machine vitest's own RPC to the worker (a 60 s timer) can then expire before its answer
 * is read ("Timeout calling onTaskUpdate"), failing a run whose tests all passed. One turn of the
 * loop after each test reads the answers in time.
 */
import { afterEach } from "vitest"

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)))
