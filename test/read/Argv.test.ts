/**
 * The command lines the read path recognises, and those it leaves to the full CLI: every spelling
 * the full CLI's parser could read another way, or would refuse, is declined.
 */
import { describe, expect, it } from "vitest"
import { parseReadArgs } from "../../src/read/Argv.js"

const recognised = (line: string) => {
  const parsed = parseReadArgs(line === "" ? [] : line.split(" "))
  if (!parsed.ok) throw new Error(`declined ${line}: ${parsed.reason}`)
  return parsed.command
}

const declined = (args: ReadonlyArray<string>) => expect(parseReadArgs(args).ok, args.join(" ")).toBe(false)

describe("the read path's command lines", () => {
  it("recognises session list with every option, in any order", () => {
    expect(recognised("session list")).toEqual({
      _tag: "SessionList",
      vault: undefined,
      json: false,
      status: undefined,
      agent: undefined,
      limit: 100,
      all: false
    })
    expect(recognised("session list --json --status completed --agent codex --limit 7 --vault /p --all")).toEqual({
      _tag: "SessionList",
      vault: "/p",
      json: true,
      status: "completed",
      agent: "codex",
      limit: 7,
      all: true
    })
    expect(recognised("session list --limit=3 --vault=a=b")).toMatchObject({ limit: 3, vault: "a=b" })
  })

  it("recognises session show with its id anywhere among the options", () => {
    expect(recognised("session show s-1")).toEqual({ _tag: "SessionShow", vault: undefined, json: false, id: "s-1", noEvents: false })
    expect(recognised("session show --json --vault v s-1 --no-events")).toEqual({
      _tag: "SessionShow",
      vault: "v",
      json: true,
      id: "s-1",
      noEvents: true
    })
    expect(recognised("session show --vault yes s-1")).toMatchObject({ vault: "yes", id: "s-1" })
  })

  it("recognises status", () => {
    expect(recognised("status")).toEqual({ _tag: "Status", vault: undefined, json: false })
    expect(recognised("status --vault=/x --json")).toEqual({ _tag: "Status", vault: "/x", json: true })
  })

  it.each([
    // not a read command, or not spelled as one
    [[]],
    [["session"]],
    [["session", "history", "s-1"]],
    [["session", "--json", "list"]],
    [["--json", "status"]],
    // options the read commands do not have, and the parser's own
    [["session", "list", "--help"]],
    [["status", "-h"]],
    [["status", "--version"]],
    [["session", "list", "--wizard"]],
    [["session", "list", "--log-level", "debug"]],
    [["session", "list", "--no-events"]],
    [["session", "show", "s-1", "--all"]],
    [["status", "--limit", "2"]],
    // another spelling the parser reads: case, a boolean's value, an attached value
    [["session", "list", "--JSON"]],
    [["session", "list", "--Limit", "2"]],
    [["session", "list", "--json", "yes"]],
    [["session", "list", "--json=true"]],
    [["session", "show", "--json", "true"]],
    [["session", "show", "--no-events", "on"]],
    [["session", "show", "s-1", "--json", "1"]],
    [["session", "show", "No"]],
    [["session", "list", "--limit", "0x10"]],
    [["session", "list", "--limit", "05"]],
    [["session", "list", "-abc"]],
    // wrong values, missing values, repeats, extras
    [["session", "list", "--limit", "0"]],
    [["session", "list", "--limit", "-1"]],
    [["session", "list", "--limit", "1234567890"]],
    [["session", "list", "--limit"]],
    [["session", "list", "--status", "bogus"]],
    [["session", "list", "--status", "Active"]],
    [["session", "list", "--agent", "Codex"]],
    [["session", "list", "--vault"]],
    [["session", "list", "--vault", ""]],
    [["session", "list", "--vault="]],
    [["session", "list", "--vault", "--json"]],
    [["session", "list", "--vault", " dir"]],
    [["session", "list", "--json", "--json"]],
    [["session", "list", "--limit", "2", "--limit", "3"]],
    [["session", "list", "extra"]],
    [["session", "list", "--"]],
    [["session", "show"]],
    [["session", "show", "a/b"]],
    [["session", "show", "-s"]],
    [["session", "show", "s-1", "s-2"]],
    [["session", "show", "--", "s-1"]],
    [["session", "show", "x".repeat(129)]],
    [["status", "extra"]]
  ])("declines %j", (args) => declined(args))
})
