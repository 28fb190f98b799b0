import { describe, expect, it } from "@effect/vitest"
import { applyBoundary, excludedBy, globToRegExp, isOutsideScope, redactSecrets } from "../../src/lean/Boundary.js"
import { DEFAULT_EXCLUDE_PATHS } from "../../src/vault/Config.js"
import type { CaptureBoundary } from "../../src/domain/Session.js"

const boundary = (overrides: Partial<CaptureBoundary> = {}): CaptureBoundary => ({
  root: "/home/dev/project",
  outsideScope: "record",
  excludePaths: DEFAULT_EXCLUDE_PATHS,
  redactSecrets: true,
  maxFieldBytes: 65536,
  maxEventBytes: 262144,
  ...overrides
})

// Realistic secrets, built from parts so that no scanner mistakes this file for a leak.
const awsKeyId = ["AKIA", "IOSFODNN7EXAMPLE"].join("")
const awsSecret = ["wJalrXUtnFEMI", "/K7MDENG/bPxRfiCYEXAMPLEKEY"].join("")
const githubToken = ["ghp_", "1234567890abcdefghijklmnopqrstuvwxyzAB"].join("")
const fineGrained = ["github_pat_", "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"].join("")
const gitlabToken = ["glpat-", "xxxxxxxxxxxxxxxxxxxx"].join("")
const slackToken = ["xoxb-", "123456789012-1234567890123-abcdefghijklmnop"].join("")
const anthropicKey = ["sk-ant-", "api03-abcdefghijklmnopqrstuvwxyz0123456789"].join("")
const googleKey = ["AIza", "SyA1234567890abcdefghijklmnopqrstuv"].join("")
const jwt = ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"].join(".")
const privateKey = ["-----BEGIN OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", "-----END OPENSSH PRIVATE KEY-----"].join("\n")

describe("secret redaction", () => {
  it("redacts each kind of secret where agents meet them, and records the rule", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      [`export AWS_ACCESS_KEY_ID=${awsKeyId}`, awsKeyId, "aws-access-key-id"],
      [`aws_secret_access_key = ${awsSecret}`, awsSecret, "aws-secret-access-key"],
      [`git remote add origin https://${githubToken}@github.com/acme/app`, githubToken, "github-token"],
      [`GITHUB_TOKEN=${fineGrained}`, fineGrained, "github-token"],
      [`CI_JOB_TOKEN: ${gitlabToken}`, gitlabToken, "gitlab-token"],
      [`SLACK_BOT=${slackToken}`, slackToken, "slack-token"],
      [`ANTHROPIC_API_KEY="${anthropicKey}"`, anthropicKey, "api-key"],
      [`const key = "${googleKey}"`, googleKey, "google-api-key"],
      [`cookie: session=${jwt}`, jwt, "jwt"],
      [`curl -H "Authorization: Bearer abcdef0123456789abcdef" https://api.example.com`, "abcdef0123456789abcdef", "bearer-token"],
      [`DATABASE_PASSWORD=hunter2hunter2`, "hunter2hunter2", "password-assignment"],
      [`{"password": "correct horse"}`, "correct", "password-assignment"],
      [`cat ~/.ssh/id_ed25519\n${privateKey}\n`, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", "private-key"]
    ]
    // The rule set is the boundary's own (lean/Secrets.ts, with its corpus in test/lean/): here,
    // each shape is caught by a rule of its family, and the marker names the rule that fired.
    for (const [text, secret, family] of cases) {
      const out = redactSecrets(text)
      expect(out.text, text).not.toContain(secret)
      expect(out.rules.length, text).toBeGreaterThan(0)
      for (const rule of out.rules) expect(out.text).toContain(`[REDACTED:${rule}]`)
      const stem = family.split("-")[0] ?? family
      expect(out.rules.some((rule) => rule.includes(stem) || ["secret-assignment", "secret-field", "auth-header", "password-assignment"].some((generic) => rule.includes(generic.split("-")[0] ?? generic))), `${text}: ${out.rules.join(", ")}`).toBe(true)
    }
  })

  it("leaves ordinary text alone", () => {
    for (const text of [
      "The password policy requires 12 characters.",
      "sk-short",
      "AKIA is a prefix of AWS key ids",
      "Bearer tokens are sent in the Authorization header",
      "function getSecret() { return vault.read(name) }",
      "ghp_ is GitHub's prefix"
    ]) {
      expect(redactSecrets(text)).toEqual({ text, rules: [] })
    }
  })
})

describe("paths", () => {
  it("globs match like .gitignore: by name anywhere without a slash, from the root with one", () => {
    const root = "/p"
    expect(excludedBy("/p/.env", root, [".env"])).toBe(".env")
    expect(excludedBy("/p/app/.env", root, [".env"])).toBe(".env")
    expect(excludedBy("/p/.env.production", root, [".env.*"])).toBe(".env.*")
    expect(excludedBy("certs/server.pem", root, ["*.pem"])).toBe("*.pem")
    expect(excludedBy("/p/keys/id_rsa", root, ["id_*"])).toBe("id_*")
    expect(excludedBy("/p/deploy/secrets/db.yaml", root, ["**/secrets/**"])).toBe("**/secrets/**")
    expect(excludedBy("/p/secrets/db.yaml", root, ["**/secrets/**"])).toBe("**/secrets/**")
    expect(excludedBy("/p/src/env.ts", root, DEFAULT_EXCLUDE_PATHS)).toBeUndefined()
    expect(excludedBy("/p/src/identity.ts", root, DEFAULT_EXCLUDE_PATHS)).toBeUndefined()
    expect(globToRegExp("a?c").test("abc")).toBe(true)
    expect(globToRegExp("a?c").test("a/c")).toBe(false)
  })

  it("knows what is outside the project", () => {
    expect(isOutsideScope("/etc/passwd", "/p")).toBe(true)
    expect(isOutsideScope("../other/file", "/p")).toBe(true)
    expect(isOutsideScope("/p2/file", "/p")).toBe(true)
    expect(isOutsideScope("/p/src/a.ts", "/p")).toBe(false)
    expect(isOutsideScope("src/a.ts", "/p")).toBe(false)
  })
})

describe("applyBoundary on agents' payloads", () => {
  it("a Claude Code Write of .env keeps the file name, withholds its content, and says why", () => {
    const payload = {
      session_id: "abc",
      cwd: "/home/dev/project",
      hook_event_name: "PostToolUse",
      tool_name: "Write",
      tool_input: { file_path: "/home/dev/project/.env", content: `STRIPE_KEY=${anthropicKey}\n` },
      tool_response: { filePath: "/home/dev/project/.env", success: true }
    }
    const { payload: out, report } = applyBoundary(boundary(), payload)
    expect(out).toMatchObject({
      tool_input: { file_path: "/home/dev/project/.env", content: "[withheld by capture boundary: excluded by .env]" },
      tool_response: { filePath: "/home/dev/project/.env", success: true }
    })
    expect(JSON.stringify(out)).not.toContain(anthropicKey)
    expect(report.excluded.map((e) => [e.path, e.glob])).toEqual([
      ["tool_input.file_path", ".env"],
      ["tool_response.filePath", ".env"]
    ])
  })

  it("a Read outside the project is recorded without its content, or dropped, per outside_scope", () => {
    const payload = {
      tool_name: "Read",
      tool_input: { file_path: "/etc/passwd" },
      tool_response: { type: "text", file: { filePath: "/etc/passwd", content: "root:x:0:0:root:/root:/bin/bash" } }
    }
    const recorded = applyBoundary(boundary(), payload)
    expect(recorded.payload).toMatchObject({
      tool_input: { file_path: "/etc/passwd" },
      tool_response: { file: { filePath: "/etc/passwd", content: "[withheld by capture boundary: outside the project]" } }
    })
    expect(recorded.report.outsideScope.map((o) => o.path)).toEqual(["tool_input.file_path", "tool_response.file.filePath"])
    const dropped = applyBoundary(boundary({ outsideScope: "drop" }), payload)
    expect(JSON.stringify(dropped.payload)).not.toContain("/etc/passwd")
    expect(JSON.stringify(dropped.payload)).not.toContain("root:x")
  })

  it("a Bash command and its output have their secrets redacted, each redaction recorded with its place", () => {
    const payload = {
      tool_name: "Bash",
      tool_input: { command: `curl -H "Authorization: Bearer abcdef0123456789abcdef" https://api.example.com` },
      tool_response: { stdout: `token=${githubToken}\n`, stderr: "", interrupted: false }
    }
    const { payload: out, report } = applyBoundary(boundary(), payload)
    expect(JSON.stringify(out)).not.toContain(githubToken)
    expect(JSON.stringify(out)).not.toContain("abcdef0123456789abcdef")
    expect(report.redactions.map((r) => r.path)).toEqual(["tool_input.command", "tool_response.stdout"])
    expect(report.redactions[1]?.rule).toMatch(/github/)
    const off = applyBoundary(boundary({ redactSecrets: false }), payload)
    expect(JSON.stringify(off.payload)).toContain(githubToken)
  })

  it("cuts long fields with a marker and their original size, on a character boundary", () => {
    const long = "é".repeat(1000)
    const { payload: out, report } = applyBoundary(boundary({ maxFieldBytes: 300 }), { prompt: long, n: 1 })
    const prompt = typeof out === "object" && out !== null && "prompt" in out ? String(out.prompt) : ""
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(300)
    expect(prompt).toContain("[truncated by capture boundary: 2000 bytes]")
    expect(prompt).not.toContain("\uFFFD")
    expect(report.truncations).toEqual([{ path: "prompt", originalBytes: 2000 }])
  })

  it("replaces an event that stays too large with a marker of its size", () => {
    const fields = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, "x".repeat(1000)]))
    const { payload: out, report } = applyBoundary(boundary({ maxFieldBytes: 2000, maxEventBytes: 4096 }), fields)
    expect(report.oversized?.originalBytes).toBeGreaterThan(40_000)
    expect(out).toEqual({ withheld: expect.stringContaining("[withheld by capture boundary: event of") })
  })

  it("leaves an ordinary event exactly as it was", () => {
    const payload = { tool_name: "Edit", tool_input: { file_path: "src/parser.ts", old_string: "a", new_string: "b" }, list: [1, null, true] }
    const { payload: out, report } = applyBoundary(boundary(), payload)
    expect(out).toEqual(payload)
    expect(report).toEqual({ redactions: [], truncations: [], excluded: [], outsideScope: [], oversized: null })
  })
})
