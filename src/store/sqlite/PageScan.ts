/**
 * Reading rows off the pages of a damaged database file directly, as SQLite's `.recover` does,
 * for when its schema or its tables' b-trees can no longer be walked (the pages that lead to the
 * rows are damaged, the rows themselves are not). Every page of the file, or its newest copy in
 * the write-ahead log, that is a table b-tree leaf has its cells decoded (overflow chains
 * followed) into records; a record is taken as a row of one of the salvaged tables when its
 * number of columns and the type of each value fit that table's columns, and of no other table.
 * Whatever does not fit, or cannot be decoded, is left.
 *
 * It reads a scratch copy (open nowhere else) with plain file reads; it never writes.
 */
import * as fs from "node:fs"
import type { SourceRow } from "./Salvage.js"

/** A column as the salvage sees it: its name, its declared type, and whether it may be NULL. */
export interface ColumnShape {
  readonly name: string
  readonly type: string
  readonly notNull: boolean
}

/** What a scan found: rows per table, and how many pages it looked at. */
export interface PageScanResult {
  readonly rows: ReadonlyMap<string, ReadonlyArray<SourceRow>>
  readonly pages: number
  readonly leafPages: number
}

const WAL_MAGICS = [0x377f0682, 0x377f0683]
const PAGE_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]

/** A SQLite varint at `offset`: its value (as a number; rowids and sizes here fit) and its length. */
const varint = (buf: Buffer, offset: number): readonly [number, number] | undefined => {
  let value = 0
  for (let i = 0; i < 9; i++) {
    if (offset + i >= buf.length) return undefined
    const byte = buf[offset + i] ?? 0
    if (i === 8) return [value * 256 + byte, 9]
    value = value * 128 + (byte & 0x7f)
    if ((byte & 0x80) === 0) return [value, i + 1]
  }
  return undefined
}

type Value = number | bigint | string | Buffer | null

/** The values of a record (SQLite's record format), or undefined when it does not decode. */
const decodeRecord = (payload: Buffer): ReadonlyArray<Value> | undefined => {
  const header = varint(payload, 0)
  if (header === undefined || header[0] > payload.length || header[0] < header[1]) return undefined
  const types: Array<number> = []
  for (let at = header[1]; at < header[0]; ) {
    const serial = varint(payload, at)
    if (serial === undefined) return undefined
    types.push(serial[0])
    at += serial[1]
  }
  const values: Array<Value> = []
  let at = header[0]
  for (const type of types) {
    const size = type === 0 || type === 8 || type === 9 ? 0 : type <= 4 ? type : type === 5 ? 6 : type <= 7 ? 8 : type >= 12 ? Math.floor((type - 12) / 2) : -1
    if (size < 0 || at + size > payload.length) return undefined
    if (type === 0) values.push(null)
    else if (type === 8) values.push(0)
    else if (type === 9) values.push(1)
    else if (type <= 6) {
      const big = size === 8 ? payload.readBigInt64BE(at) : BigInt.asIntN(size * 8, BigInt(`0x${payload.subarray(at, at + size).toString("hex") || "0"}`))
      values.push(big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big)
    } else if (type === 7) values.push(payload.readDoubleBE(at))
    else if (type % 2 === 0) values.push(Buffer.from(payload.subarray(at, at + size)))
    else values.push(payload.subarray(at, at + size).toString("utf8"))
    at += size
  }
  return at === payload.length ? values : undefined
}

/** Whether `value` may be stored in `column` (a STRICT table's declared types). */
const fits = (column: ColumnShape, value: Value): boolean => {
  if (value === null) return !column.notNull
  const type = column.type.toUpperCase()
  if (type === "INTEGER" || type === "INT") return typeof value === "number" ? Number.isInteger(value) : typeof value === "bigint"
  if (type === "TEXT") return typeof value === "string"
  if (type === "REAL") return typeof value === "number"
  if (type === "BLOB") return Buffer.isBuffer(value)
  return true
}

/**
 * Scans `file` (and its log `wal`, when there is one) for rows of `tables`, a page at a time. The
 * page size is the header's, when it has one, else the log's, else guessed from the file's size.
 */
export const scanPages = (file: string, wal: string, tables: ReadonlyMap<string, ReadonlyArray<ColumnShape>>): PageScanResult => {
  const dbFd = fs.openSync(file, "r")
  const logFd = fs.existsSync(wal) ? fs.openSync(wal, "r") : undefined
  try {
    return scanOpen(dbFd, logFd, tables)
  } finally {
    fs.closeSync(dbFd)
    if (logFd !== undefined) fs.closeSync(logFd)
  }
}

const readAt = (fd: number, offset: number, length: number): Buffer => {
  const buffer = Buffer.alloc(length)
  const read = fs.readSync(fd, buffer, 0, length, offset)
  return read === length ? buffer : buffer.subarray(0, read)
}

const scanOpen = (dbFd: number, logFd: number | undefined, tables: ReadonlyMap<string, ReadonlyArray<ColumnShape>>): PageScanResult => {
  const fileSize = fs.fstatSync(dbFd).size
  const start = readAt(dbFd, 0, 100)
  const headerPageSize = start.length >= 18 && start.subarray(0, 16).toString("latin1") === "SQLite format 3\0" ? start.readUInt16BE(16) : undefined
  // Where the newest committed copy of each page is in the log.
  const logged = new Map<number, number>()
  let pageSize = headerPageSize === 1 ? 65536 : headerPageSize !== undefined && PAGE_SIZES.includes(headerPageSize) ? headerPageSize : undefined
  if (logFd !== undefined) {
    const logSize = fs.fstatSync(logFd).size
    const header = readAt(logFd, 0, 32)
    if (header.length === 32 && WAL_MAGICS.includes(header.readUInt32BE(0))) {
      const logPageSize = header.readUInt32BE(8)
      if (PAGE_SIZES.includes(logPageSize) && (pageSize === undefined || pageSize === logPageSize)) {
        pageSize = logPageSize
        const salt1 = header.readUInt32BE(16)
        const salt2 = header.readUInt32BE(20)
        const pending = new Map<number, number>()
        for (let at = 32; at + 24 + logPageSize <= logSize; at += 24 + logPageSize) {
          const frame = readAt(logFd, at, 24)
          if (frame.length < 24 || frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) break
          pending.set(frame.readUInt32BE(0), at + 24)
          // A commit frame: what came before it is committed.
          if (frame.readUInt32BE(4) !== 0) {
            for (const [page, offset] of pending) logged.set(page, offset)
            pending.clear()
          }
        }
      }
    }
  }
  pageSize ??= PAGE_SIZES.slice().reverse().find((p) => fileSize % p === 0 && fileSize >= p) ?? 4096
  const size = pageSize
  let pageCount = Math.floor(fileSize / size)
  for (const n of logged.keys()) if (n > pageCount) pageCount = n
  const page = (n: number): Buffer | undefined => {
    const inLog = logged.get(n)
    if (inLog !== undefined && logFd !== undefined) return readAt(logFd, inLog, size)
    return n >= 1 && n * size <= fileSize ? readAt(dbFd, (n - 1) * size, size) : undefined
  }
  const usable = size
  const maxLocal = usable - 35
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23

  /** The payload of a cell: its local part and its overflow chain, or undefined when it breaks. */
  const payloadOf = (bytes: Buffer, start: number, length: number): Buffer | undefined => {
    if (length <= maxLocal) return start + length <= bytes.length ? bytes.subarray(start, start + length) : undefined
    const k = minLocal + ((length - minLocal) % (usable - 4))
    const local = k <= maxLocal ? k : minLocal
    if (start + local + 4 > bytes.length) return undefined
    const parts: Array<Buffer> = [bytes.subarray(start, start + local)]
    let collected = local
    let next = bytes.readUInt32BE(start + local)
    const seen = new Set<number>()
    while (collected < length) {
      if (next === 0 || seen.has(next)) return undefined
      seen.add(next)
      const overflow = page(next)
      if (overflow === undefined) return undefined
      const take = Math.min(usable - 4, length - collected)
      parts.push(overflow.subarray(4, 4 + take))
      collected += take
      next = overflow.readUInt32BE(0)
    }
    return Buffer.concat(parts)
  }

  const rows = new Map<string, Array<SourceRow>>()
  let leafPages = 0
  for (let n = 1; n <= pageCount; n++) {
    const bytes = page(n)
    if (bytes === undefined) continue
    const h = n === 1 ? 100 : 0
    if (bytes.length < h + 8 || bytes[h] !== 0x0d) continue
    leafPages++
    const cells = bytes.readUInt16BE(h + 3)
    for (let c = 0; c < cells; c++) {
      const pointerAt = h + 8 + 2 * c
      if (pointerAt + 2 > bytes.length) break
      const cell = bytes.readUInt16BE(pointerAt)
      if (cell < h + 8 || cell >= bytes.length) continue
      const length = varint(bytes, cell)
      if (length === undefined) continue
      const rowid = varint(bytes, cell + length[1])
      if (rowid === undefined) continue
      const payload = payloadOf(bytes, cell + length[1] + rowid[1], length[0])
      if (payload === undefined) continue
      const values = decodeRecord(payload)
      if (values === undefined) continue
      const matches = [...tables].filter(([, columns]) => columns.length === values.length && columns.every((column, i) => fits(column, values[i] ?? null)))
      const match = matches.length === 1 ? matches[0] : undefined
      if (match === undefined) continue
      const [table, columns] = match
      const row: Record<string, unknown> = { __rowid: rowid[0] }
      columns.forEach((column, i) => (row[column.name] = values[i] ?? null))
      const list = rows.get(table)
      if (list === undefined) rows.set(table, [row])
      else list.push(row)
    }
  }
  // In rowid order, as the b-tree would give them.
  for (const list of rows.values()) list.sort((a, b) => Number(a["__rowid"]) - Number(b["__rowid"]))
  return { rows, pages: pageCount, leafPages }
}
