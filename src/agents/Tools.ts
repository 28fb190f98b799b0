/**
 * What a tool call touches: the files it reads or writes and the shell command it runs, read from
 * the tool's input with the field names each agent's tools use (Claude Code's Read takes
 * `file_path`, Gemini CLI's read_file `absolute_path`, Copilot's view `path`, Windsurf's run_command
 * `command_line`, Codex's shell an argv list under `command`...). Each agent's contract declares its
 * own fields; the normaliser records the result on the canonical tool (`files`, `command`), where
 * the capture boundary (lean/Boundary.ts) reads it to withhold an excluded file's content from
 * every tool that can carry it: a read, a shell command, a search, an edit, an MCP call.
 *
 * Patches count as touching the files they name (`*** Update File: .env` in Codex's apply_patch
 * format, `+++ b/.env` in a unified diff), wherever in the input they appear.
 *
 * Effect-free and bounded: inputs come from agents and may be large or deeply nested.
 */

/** The input fields, found at any depth of a tool's input, that name what it touches. */
export interface ToolFields {
  /** Fields whose value is a file or directory path, or a list of them. */
  readonly paths: ReadonlyArray<string>
  /** Fields whose value is a shell command line, or an argv list. */
  readonly commands: ReadonlyArray<string>
}

/** What a tool call touches. */
export interface ToolTouches {
  readonly files: ReadonlyArray<string>
  readonly command: string | undefined
}

/** How deep into a tool's input fields are looked for. */
const MAX_DEPTH = 8
/** How many values of a tool's input are looked at, at most. */
const MAX_NODES = 2048
/** How many files are recorded for one tool call, at most. */
const MAX_FILES = 64
/** The longest path recorded. */
const MAX_PATH_CHARS = 4096

/** The headers that name a file in a patch: Codex's apply_patch format and unified diffs. */
const PATCH_HEADER = /^(?:\*\*\* (?:Add|Update|Delete) File: |\*\*\* Move to: |\+\+\+ (?:b\/)?|--- (?:a\/)?)(.+?)\s*$/gm

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The files a patch (or any text holding one) names. */
export const patchedFiles = (text: string): ReadonlyArray<string> => {
  if (!text.includes("*** ") && !text.includes("+++ ")) return []
  const files: Array<string> = []
  for (const match of text.matchAll(PATCH_HEADER)) {
    const file = match[1]
    if (file !== undefined && file !== "/dev/null" && file.length <= MAX_PATH_CHARS) files.push(file)
    if (files.length >= MAX_FILES) break
  }
  return files
}

/** Reads what a tool's input touches, with an agent's field names. Never throws. */
export const toolTouches = (input: unknown, fields: ToolFields): ToolTouches => {
  const paths = new Set(fields.paths)
  const commands = new Set(fields.commands)
  const files = new Set<string>()
  let command: string | undefined
  const addFile = (file: string): void => {
    if (file !== "" && file.length <= MAX_PATH_CHARS && files.size < MAX_FILES) files.add(file)
  }
  const addText = (text: string): void => {
    for (const file of patchedFiles(text)) addFile(file)
  }
  // Iterative, so that no input can overflow the stack; bounded in depth and in nodes visited.
  const stack: Array<{ readonly value: unknown; readonly depth: number; readonly key: string | undefined }> = [{ value: input, depth: 0, key: undefined }]
  let visited = 0
  while (stack.length > 0 && visited < MAX_NODES) {
    const next = stack.pop()
    if (next === undefined) break
    visited++
    const { value, depth, key } = next
    if (typeof value === "string") {
      if (key !== undefined && paths.has(key)) addFile(value)
      else if (key !== undefined && commands.has(key)) {
        command ??= value
        addText(value)
      } else addText(value)
      continue
    }
    if (depth >= MAX_DEPTH) continue
    if (Array.isArray(value)) {
      // An argv list (`["bash", "-lc", "cat .env"]`) is one command line.
      if (key !== undefined && commands.has(key) && value.every((part) => typeof part === "string")) {
        const line = value.join(" ")
        command ??= line
        addText(line)
        continue
      }
      for (const item of value) stack.push({ value: item, depth: depth + 1, key: key !== undefined && paths.has(key) ? key : undefined })
      continue
    }
    if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) stack.push({ value: v, depth: depth + 1, key: k })
    }
  }
  return { files: [...files], command }
}
