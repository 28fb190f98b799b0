/**
 * Safe file operations for the vault (`<project>/.myco/`) and the fallback socket directory.
 *
 * The vault is read by a long-running daemon and written by hooks, so whatever sits in it is
 * treated as possibly planted: `spool/` or `run/` replaced by a symbolic link, a spool entry that
 * links to /etc/passwd or /dev/zero, a FIFO named like a spool file, a file owned by another user,
 * a log that links elsewhere, a `/tmp/myco-<uid>/` pre-created by someone else with mode 0777.
 * Everything here therefore refuses to follow a symbolic link in the last component of a path
 * (O_NOFOLLOW), judges a file by `fstat` on the descriptor it opened (not by a name that can
 * change under it), never blocks opening (O_NONBLOCK), bounds what it reads, never changes or
 * adopts what another user owns, and makes what it creates private (0700 directories, 0600 files)
 * whatever the umask. O_NOFOLLOW guards only the last component of a path: the directories
 * above it are what {@link ensurePrivateDir} vouches for (a real directory of ours, 0700, so no one
 * else can swap an entry in it), and a caller checks a directory before trusting files in it.
 *
 * POSIX first. Where O_NOFOLLOW or O_DIRECTORY do not exist (Windows) it falls back to `lstat`
 * checks, and where `process.getuid` does not exist it skips the owner and mode checks, which mean
 * nothing there.
 *
 * Effect-free, and imports only Node's own modules: the hook binary bundles it and must start in
 * milliseconds.
 */
import { Buffer } from "node:buffer"
import * as fs from "node:fs"
import * as path from "node:path"

const C = fs.constants
const NOFOLLOW: number = C.O_NOFOLLOW ?? 0
const DIRECTORY: number = C.O_DIRECTORY ?? 0
const NONBLOCK: number = C.O_NONBLOCK ?? 0
const NOCTTY: number = C.O_NOCTTY ?? 0

/** The mode of a private directory. */
export const PRIVATE_DIR_MODE = 0o700
/** The mode of a private file. */
export const PRIVATE_FILE_MODE = 0o600

/** Our uid, or undefined where the platform has none (Windows). */
export const currentUid = (): number | undefined => process.getuid?.()

/** Whether `stat` belongs to `uid`; true when `uid` is undefined (no uids on this platform). */
export const isOwnedBy = (stat: fs.Stats, uid: number | undefined): boolean => uid === undefined || stat.uid === uid

/** The permission bits of `stat`, with setuid, setgid and sticky. */
export const permissionBits = (stat: fs.Stats): number => stat.mode & 0o7777

const octal = (mode: number): string => mode.toString(8).padStart(4, "0")

const errorCode = (error: unknown): string =>
  error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : "unknown"

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** The result of a directory check: usable, or why not. */
export type DirCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/** Why reading a vault file was refused. */
export type ReadRefusalReason = "missing" | "not-regular" | "symlink" | "foreign-owner" | "too-large" | "unreadable"

/** Why appending to a file was refused ("missing": its directory is). */
export type AppendRefusalReason = "missing" | "not-regular" | "symlink" | "foreign-owner" | "unwritable"

/** A refused file operation: a reason to branch on and a message (with the path) to show. */
export type FileRefusal<Reason extends string> = { readonly ok: false; readonly reason: Reason; readonly message: string }

type Judged = FileRefusal<"missing" | "not-regular" | "symlink" | "foreign-owner">

/** What is wrong with `stat` as a private directory of `uid`, ignoring its mode; undefined if nothing. */
const dirKindProblem = (stat: fs.Stats, uid: number | undefined): string | undefined => {
  if (stat.isSymbolicLink()) return "is a symbolic link"
  if (!stat.isDirectory()) return "not a directory"
  if (!isOwnedBy(stat, uid)) return `owned by uid ${stat.uid}`
  return undefined
}

const dirModeProblem = (stat: fs.Stats, uid: number | undefined): string | undefined =>
  uid !== undefined && permissionBits(stat) !== PRIVATE_DIR_MODE
    ? `mode is ${octal(permissionBits(stat))}, not ${octal(PRIVATE_DIR_MODE)}`
    : undefined

/**
 * Checks, without creating or changing anything, that `dir` is a private directory: a real
 * directory (not a symbolic link), owned by us, mode exactly 0700. For `myco doctor`. The reason,
 * when not, is one of "missing", "is a symbolic link", "not a directory", "owned by uid N",
 * "mode is 0755, not 0700" or "cannot inspect: <code>"; it does not repeat the path.
 */
export const checkPrivateDir = (dir: string): DirCheck => {
  let stat: fs.Stats
  try {
    stat = fs.lstatSync(dir)
  } catch (error) {
    const code = errorCode(error)
    return { ok: false, reason: code === "ENOENT" || code === "ENOTDIR" ? "missing" : `cannot inspect: ${code}` }
  }
  const uid = currentUid()
  const problem = dirKindProblem(stat, uid) ?? dirModeProblem(stat, uid)
  return problem === undefined ? { ok: true } : { ok: false, reason: problem }
}

/**
 * Makes `dir` a private directory, or says why it cannot be one. Creates it (not its parents) with
 * mode 0700 if absent, then opens it without following a symbolic link and judges the directory
 * it opened: it must be a real directory owned by us. A directory of ours with another mode is
 * set to exactly 0700 (through the descriptor, so it is the one that was checked); a symbolic
 * link, or a directory owned by someone else, is refused and left exactly as it was. The reasons
 * are those of {@link checkPrivateDir}, plus "parent missing", "cannot create: <code>",
 * "cannot open: <code>" (EACCES: a directory of ours without read permission, left alone) and
 * "cannot make it 0700: ..." (a file system without modes).
 */
export const ensurePrivateDir = (dir: string): DirCheck => {
  try {
    fs.mkdirSync(dir, { mode: PRIVATE_DIR_MODE })
  } catch (error) {
    const code = errorCode(error)
    if (code !== "EEXIST") return { ok: false, reason: code === "ENOENT" ? "parent missing" : `cannot create: ${code}` }
  }
  const uid = currentUid()
  if (NOFOLLOW === 0 || DIRECTORY === 0 || uid === undefined) return checkPrivateDir(dir)
  let fd: number
  try {
    fd = fs.openSync(dir, C.O_RDONLY | DIRECTORY | NOFOLLOW | NONBLOCK)
  } catch (error) {
    // Refused by O_NOFOLLOW (ELOOP; EMLINK on FreeBSD) or O_DIRECTORY (ENOTDIR): say which.
    const code = errorCode(error)
    const check = checkPrivateDir(dir)
    return check.ok || code === "EACCES" ? { ok: false, reason: `cannot open: ${code}` } : check
  }
  try {
    const stat = fs.fstatSync(fd)
    const problem = dirKindProblem(stat, uid)
    if (problem !== undefined) return { ok: false, reason: problem }
    if (permissionBits(stat) === PRIVATE_DIR_MODE) return { ok: true }
    fs.fchmodSync(fd, PRIVATE_DIR_MODE)
    const after = fs.fstatSync(fd)
    return permissionBits(after) === PRIVATE_DIR_MODE
      ? { ok: true }
      : { ok: false, reason: `cannot make it ${octal(PRIVATE_DIR_MODE)}: mode stays ${octal(permissionBits(after))}` }
  } catch (error) {
    return { ok: false, reason: `cannot make it ${octal(PRIVATE_DIR_MODE)}: ${errorCode(error)}` }
  } finally {
    fs.closeSync(fd)
  }
}

/** Classifies an error of opening `file` with O_NOFOLLOW; `failed` is the reason for the rest. */
const openRefusal = <F extends string>(file: string, error: unknown, failed: F): Judged | FileRefusal<F> => {
  const code = errorCode(error)
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
      return { ok: false, reason: "missing", message: `${file} does not exist` }
    case "ELOOP":
    case "EMLINK": // FreeBSD's O_NOFOLLOW
      return { ok: false, reason: "symlink", message: `${file} is a symbolic link; not following it` }
    case "ENXIO": // a socket, or a FIFO opened for writing with no reader
    case "EISDIR":
      return { ok: false, reason: "not-regular", message: `${file} is not a regular file` }
    default:
      return { ok: false, reason: failed, message: `cannot open ${file}: ${code}` }
  }
}

/** Where there is no O_NOFOLLOW: refuses a symbolic link by `lstat` before opening. */
const lstatRefusal = <F extends string>(file: string, failed: F): Judged | FileRefusal<F> | undefined => {
  if (NOFOLLOW !== 0) return undefined
  try {
    return fs.lstatSync(file).isSymbolicLink()
      ? { ok: false, reason: "symlink", message: `${file} is a symbolic link; not following it` }
      : undefined
  } catch (error) {
    return openRefusal(file, error, failed)
  }
}

/** What is wrong with the file open as `stat`, for reading or appending; undefined if nothing. */
const fileProblem = (file: string, stat: fs.Stats, uid: number | undefined): Judged | undefined => {
  if (!stat.isFile()) return { ok: false, reason: "not-regular", message: `${file} is not a regular file` }
  if (!isOwnedBy(stat, uid)) {
    return { ok: false, reason: "foreign-owner", message: `${file} is owned by uid ${stat.uid}, not ${uid}` }
  }
  return undefined
}

/** Limits for {@link readVaultFile}. */
export type ReadLimits = {
  /** The largest file accepted, in bytes; at most `maxBytes + 1` bytes are ever read. */
  readonly maxBytes: number
  /** The owner required; by default our own uid (none where the platform has no uids). */
  readonly uid?: number
}

/** The result of {@link readVaultFile}. */
export type VaultRead = { readonly ok: true; readonly text: string } | FileRefusal<ReadRefusalReason>

/**
 * Reads a file of the vault as UTF-8, refusing anything planted: opened with O_NOFOLLOW (a
 * symbolic link is refused, never followed) and O_NONBLOCK (a FIFO cannot block the caller), then
 * judged by `fstat` on that descriptor: a regular file, owned by `uid`, at most `maxBytes`. Reads
 * at most `maxBytes + 1` bytes whatever the file claims, so a file that grows, or reports no size,
 * cannot make it read without end. The content of a refused file is never returned. Never throws.
 */
export const readVaultFile = (file: string, options: ReadLimits): VaultRead => {
  const uid = options.uid ?? currentUid()
  const maxBytes = Math.max(0, Math.floor(options.maxBytes))
  const early = lstatRefusal(file, "unreadable")
  if (early !== undefined) return early
  let fd: number
  try {
    fd = fs.openSync(file, C.O_RDONLY | NOFOLLOW | NONBLOCK | NOCTTY)
  } catch (error) {
    return openRefusal(file, error, "unreadable")
  }
  try {
    const stat = fs.fstatSync(fd)
    const problem = fileProblem(file, stat, uid)
    if (problem !== undefined) return problem
    const tooLarge: FileRefusal<"too-large"> = { ok: false, reason: "too-large", message: `${file} is larger than ${maxBytes} bytes` }
    if (stat.size > maxBytes) return tooLarge
    // Sized by what the file claims, grown (up to maxBytes + 1) if it holds more.
    let buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1)
    let length = 0
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return tooLarge
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1))
        buffer.copy(grown, 0, 0, length)
        buffer = grown
      }
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
    }
    if (length > maxBytes) return tooLarge
    return { ok: true, text: buffer.toString("utf8", 0, length) }
  } catch (error) {
    return { ok: false, reason: "unreadable", message: `cannot read ${file}: ${errorMessage(error)}` }
  } finally {
    fs.closeSync(fd)
  }
}

/** The result of {@link openAppendPrivate}. */
export type AppendOpen = { readonly ok: true; readonly fd: number } | FileRefusal<AppendRefusalReason>

/**
 * Opens a log file for appending, creating it 0600: never through a symbolic link (O_NOFOLLOW),
 * never blocking on a FIFO, and only a regular file of ours, which is set to 0600 if it was not.
 * The caller owns the descriptor and closes it. Never throws.
 */
export const openAppendPrivate = (file: string): AppendOpen => {
  const early = lstatRefusal(file, "unwritable")
  if (early !== undefined) return early
  let fd: number
  try {
    fd = fs.openSync(file, C.O_WRONLY | C.O_APPEND | C.O_CREAT | NOFOLLOW | NONBLOCK | NOCTTY, PRIVATE_FILE_MODE)
  } catch (error) {
    return openRefusal(file, error, "unwritable")
  }
  try {
    const uid = currentUid()
    const stat = fs.fstatSync(fd)
    const problem = fileProblem(file, stat, uid)
    if (problem === undefined) {
      if (uid !== undefined && permissionBits(stat) !== PRIVATE_FILE_MODE) fs.fchmodSync(fd, PRIVATE_FILE_MODE)
      return { ok: true, fd }
    }
    fs.closeSync(fd)
    return problem
  } catch (error) {
    fs.closeSync(fd)
    return { ok: false, reason: "unwritable", message: `cannot prepare ${file} for appending: ${errorMessage(error)}` }
  }
}

/** The result of {@link appendPrivate}. */
export type Append = { readonly ok: true } | FileRefusal<AppendRefusalReason>

/**
 * Appends `text` to a log file as {@link openAppendPrivate} opens it, then closes it. Never throws;
 * a failed write is reported as "unwritable" with its message.
 */
export const appendPrivate = (file: string, text: string | Uint8Array): Append => {
  const opened = openAppendPrivate(file)
  if (!opened.ok) return opened
  try {
    writeAll(opened.fd, typeof text === "string" ? Buffer.from(text, "utf8") : text)
    return { ok: true }
  } catch (error) {
    return { ok: false, reason: "unwritable", message: `cannot append to ${file}: ${errorMessage(error)}` }
  } finally {
    fs.closeSync(opened.fd)
  }
}

const writeAll = (fd: number, data: Uint8Array): void => {
  let offset = 0
  while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset)
}

let counter = 0
const uniqueSuffix = (): string => `${process.pid}.${Date.now().toString(36)}.${(counter++).toString(36)}`

/** Options of {@link writePrivateAtomic}. */
export type AtomicWriteOptions = {
  /** Flush the file to disk before renaming it into place; default false. */
  readonly fsync?: boolean
}

/**
 * Replaces `file` atomically with `data`, mode 0600 whatever the umask: writes a new temporary
 * file in the same directory (O_CREAT | O_EXCL | O_NOFOLLOW, so nothing planted under its name is
 * written through), optionally flushes it, and renames it over `file`. A symbolic link at `file`
 * is replaced, not written through. Throws the file system's error; the temporary file is removed.
 */
export const writePrivateAtomic = (file: string, data: string | Uint8Array, options?: AtomicWriteOptions): void => {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${uniqueSuffix()}.tmp`)
  const fd = fs.openSync(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL | NOFOLLOW | NOCTTY, PRIVATE_FILE_MODE)
  let renamed = false
  try {
    try {
      // The umask may have taken bits off 0600 (never added any): put them back.
      if (currentUid() !== undefined) fs.fchmodSync(fd, PRIVATE_FILE_MODE)
      writeAll(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data)
      if (options?.fsync === true) fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, file)
    renamed = true
  } finally {
    if (!renamed) fs.rmSync(tmp, { force: true })
  }
}

/** The longest reason {@link moveAside} writes down. */
const MAX_REASON_CHARS = 4_000

/**
 * Moves `file` out of the way into `dir` (made a private directory first) and writes down why in
 * `<name>.reason.txt` beside it (0600). Moves the entry itself, whatever it is (a symbolic link, a
 * FIFO, a device): it is never opened, nor its target touched. A name already taken in `dir` gets
 * a unique suffix. Returns the new path; throws when `dir` is not usable or the rename fails
 * (across file systems, say).
 */
export const moveAside = (file: string, dir: string, reason: string): string => {
  const check = ensurePrivateDir(dir)
  if (!check.ok) throw new Error(`cannot move ${file} aside into ${dir}: ${dir} ${check.reason}`)
  fs.lstatSync(file) // missing: throws ENOENT with the path
  const name = path.basename(file)
  let target = path.join(dir, name)
  while (exists(target) || exists(`${target}.reason.txt`)) target = path.join(dir, `${name}.${uniqueSuffix()}`)
  fs.renameSync(file, target)
  const cut = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason
  writePrivateAtomic(`${target}.reason.txt`, `${new Date().toISOString()} moved aside from ${file}: ${cut}\n`)
  return target
}

/** Whether anything, even a dangling symbolic link, has this name. */
const exists = (file: string): boolean => {
  try {
    fs.lstatSync(file)
    return true
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false
    throw error
  }
}
