/**
 * The secret redaction of src/lean/Secrets.ts against its corpus (test/fixtures/secrets, written by
 * generate.mjs): every secret is gone (recall 100%), look-alikes are left alone (at most 1% touched),
 * redaction is idempotent, every rule is exercised, and no input, however pathological, makes a
 * pattern backtrack catastrophically.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { isSecretKeyName, redactKeyedValue, redactSecrets, SECRET_FIELD_RULE, SECRET_RULES } from "../../src/lean/Secrets.js"

interface Sample {
  readonly id: string
  readonly family: string
  readonly text: string
  /** The substring that must not survive; absent for a look-alike. */
  readonly secret: string | undefined
}

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "secrets")

const load = (file: string): ReadonlyArray<Sample> =>
  fs
    .readFileSync(path.join(fixtures, file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i): Sample => {
      const row: unknown = JSON.parse(line)
      if (typeof row !== "object" || row === null) throw new Error(`${file}:${i + 1}: not an object`)
      const field = (name: string): unknown => (name in row ? Reflect.get(row, name) : undefined)
      const [id, family, text, secret] = [field("id"), field("family"), field("text"), field("secret")]
      if (typeof id !== "string" || typeof family !== "string" || typeof text !== "string") throw new Error(`${file}:${i + 1}: id, family and text must be strings`)
      if (secret !== undefined && typeof secret !== "string") throw new Error(`${file}:${i + 1}: secret must be a string`)
      return { id, family, text, secret }
    })

const secrets = load("secrets.jsonl")
const lookalikes = load("lookalikes.jsonl")

/** Whether any 12-character piece of the secret (or all of a shorter one) is still in the text. */
const leaks = (secret: string, text: string): boolean => {
  if (secret.length <= 12) return text.includes(secret)
  for (let i = 0; i + 12 <= secret.length; i++) if (text.includes(secret.slice(i, i + 12))) return true
  return false
}

describe("the corpus", () => {
  it("has at least 220 secrets and 220 look-alikes, with unique ids, each secret in its text", () => {
    expect(secrets.length).toBeGreaterThanOrEqual(220)
    expect(lookalikes.length).toBeGreaterThanOrEqual(220)
    for (const rows of [secrets, lookalikes]) expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length)
    for (const s of secrets) {
      expect(s.secret, s.id).toBeDefined()
      expect(s.text, s.id).toContain(s.secret ?? "")
    }
    for (const l of lookalikes) expect(l.secret, l.id).toBeUndefined()
  })
})

describe("redactSecrets", () => {
  it("redacts every secret of the corpus (recall 100%), leaving not even a 12-character piece of it", () => {
    const missed = secrets.flatMap((s) => {
      const out = redactSecrets(s.text)
      return out.rules.length === 0 || leaks(s.secret ?? "", out.text) ? [`${s.id}: ${out.text}`] : []
    })
    expect(missed).toEqual([])
  })

  it("leaves the look-alikes alone: the same text and no rule (false positives <= 1%)", () => {
    const touched = lookalikes.flatMap((l) => {
      const out = redactSecrets(l.text)
      return out.text !== l.text || out.rules.length > 0 ? [`${l.id}: ${out.rules.join(",")}: ${out.text}`] : []
    })
    expect(touched.length / lookalikes.length, touched.join("\n")).toBeLessThanOrEqual(0.01)
  })

  it("marks each redaction as [REDACTED:<rule>] and reports each rule that fired, in order", () => {
    for (const s of secrets.slice(0, 60)) {
      const out = redactSecrets(s.text)
      const markers = [...out.text.matchAll(/\[REDACTED:([a-z0-9-]+)\]/g)].map((m) => m[1])
      expect(markers.length, s.id).toBeGreaterThanOrEqual(out.rules.length > 0 ? 1 : 0)
      for (const rule of out.rules) expect(markers, s.id).toContain(rule)
    }
  })

  it("is idempotent on both corpora: redacting redacted text changes nothing", () => {
    for (const row of [...secrets, ...lookalikes]) {
      const once = redactSecrets(row.text)
      const twice = redactSecrets(once.text)
      expect(twice.text, row.id).toBe(once.text)
      expect(twice.rules, row.id).toEqual([])
    }
  })

  it.prop(
    "is idempotent on any mix of the corpora",
    [FastCheck.array(FastCheck.constantFrom(...secrets, ...lookalikes), { minLength: 1, maxLength: 6 }), FastCheck.constantFrom("\n", " ", "; ", "\n\n", "", "\\n")],
    ([rows, separator]) => {
      const text = rows.map((r) => r.text).join(separator)
      const once = redactSecrets(text)
      expect(redactSecrets(once.text).text).toBe(once.text)
      // Secrets stay secrets on lines of their own; texts run together may make one token of two, and
      // a YAML value followed by more on its line is not a value ("token: x; more").
      if (/\n/.test(separator)) for (const r of rows) if (r.secret !== undefined) expect(once.text.includes(r.secret)).toBe(false)
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("exercises every rule on the corpus", () => {
    const fired = new Set(secrets.flatMap((s) => redactSecrets(s.text).rules))
    expect(SECRET_RULES.map((r) => r.name).filter((name) => !fired.has(name))).toEqual([])
    expect(new Set(SECRET_RULES.map((r) => r.name)).size).toBe(SECRET_RULES.length)
    for (const rule of SECRET_RULES) expect(rule.pattern.global, rule.name).toBe(true)
  })

  it("redacts a self-identifying token on its own, as when a token is an object's key", () => {
    const selfIdentifying = new Set([
      "aws-access-key-id", "github-token", "gitlab-token", "slack-token", "stripe-key", "openai-api-key", "anthropic-api-key", "google-api-key",
      "google-oauth", "sendgrid-api-key", "pypi-token", "heroku-api-key", "digitalocean-token", "shopify-token", "square-token", "vault-token",
      "databricks-token", "vendor-token", "jwt"
    ])
    const bare = secrets.filter((s) => selfIdentifying.has(s.family) && !/^(?:s\.|[0-9a-f-]+$)/.test(s.secret ?? ""))
    expect(bare.length).toBeGreaterThan(80)
    for (const s of bare) {
      const out = redactSecrets(s.secret ?? "")
      expect(out.text, s.id).toMatch(/^\[REDACTED:[a-z0-9-]+\]$/)
    }
  })

  it("returns text without a secret as it is, with no rules", () => {
    for (const text of ["", "hello", "The password policy requires 12 characters.", "sk-short", "ghp_ is GitHub's prefix"]) {
      expect(redactSecrets(text)).toEqual({ text, rules: [] })
    }
  })

  it("redacts 1 MB of mixed text without catastrophic backtracking", () => {
    const rows = [...secrets, ...lookalikes]
    const parts: Array<string> = []
    let size = 0
    for (let i = 0; size < 1_000_000; i++) {
      const row = rows[(i * 7919) % rows.length]
      const part = `${row?.text ?? ""}${i % 3 === 0 ? "\n" : " "}${"lorem ipsum dolor sit amet, ".repeat(i % 5)}`
      parts.push(part)
      size += part.length
    }
    const text = parts.join("")
    const start = performance.now()
    const out = redactSecrets(text)
    const elapsed = performance.now() - start
    expect(text.length).toBeGreaterThanOrEqual(1_000_000)
    expect(out.rules.length).toBeGreaterThan(100)
    expect(elapsed).toBeLessThan(5_000)
  })

  it("stays linear on pathological input", () => {
    const mb = 1_000_000
    const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length))
    const inputs = [
      // The classic ones, at 1 MB each.
      fill("a", mb), fill("=", mb), fill("-----BEGIN ", mb), fill(":", mb), fill("@", mb),
      // And one per rule's weak spot, at 300 kB each.
      ...[
        "-----BEGIN RSA PRIVATE KEY-----\n\n", "-----BEGIN PRIVATE KEY-----", "\\n-----BEGIN PRIVATE KEY-----", "LS0tLS1CRUdJTiUFJJVkFURSBLRV", "a:", "a=",
        '"a":', "password=", "password: ", 'key: "', "token=", "https://a:", "https://", "--token ", "--password ", "-u a:", "Bearer ", "Authorization: ",
        "X-Api-Key: ", "x-a: ", "Cookie: a=", "machine ", "mysql -p", "sshpass ", "set -x ", "PASSWORD '", "<password>", "<a>", "eyJ", "\\n", '"',
        "AKIA", "sk-", "key-", "-a1b2c3d4", "a".repeat(30) + "-", "_authToken=hooks.slack.com/services/", "token: a.b.c "
      ].map((unit) => fill(unit, 300_000)),
      "-----BEGIN PRIVATE KEY-----" + fill("A", mb),
      "Bearer " + fill("a1", mb),
      `"${fill("x", mb)}"`
    ]
    for (const input of inputs) {
      const start = performance.now()
      const once = redactSecrets(input)
      expect(performance.now() - start, input.slice(0, 24)).toBeLessThan(5_000)
      expect(redactSecrets(once.text).text, input.slice(0, 24)).toBe(once.text)
    }
    for (const input of inputs.slice(0, 5)) expect(redactSecrets(input).rules, input.slice(0, 12)).toEqual([])
  })
})

describe("isSecretKeyName", () => {
  it("names a secret by a whole word or a snake, kebab, dot or camelCase part, in any case", () => {
    for (const key of [
      "password", "passwd", "PASSWORD", "secret", "token", "api_key", "apikey", "APIKEY", "apiKey", "access_key", "private_key", "client_secret",
      "clientSecret", "auth", "credentials", "SecretAccessKey", "aws_secret_access_key", "_authToken", "DATABASE_PASSWORD", "db.password",
      "X-Api-Key", "x-auth-token", "GITHUB_TOKEN", "refresh_token", "id_token", "passphrase", "db_pwd", "SigningKey", "encryption_key", "secret_key_base"
    ]) {
      expect(isSecretKeyName(key), key).toBe(true)
    }
  })

  it("does not name a secret when the name is about one, or is not one at all", () => {
    for (const key of [
      "password_length", "passwordPolicy", "token_ttl", "tokenizer", "max_tokens", "input_tokens", "secretName", "secret_id", "AWS_ACCESS_KEY_ID",
      "csrf_token", "nextPageToken", "primary_key", "public_key", "keyboard", "author", "PWD", "password_file", "token_url", "no_password",
      "has_token", "getPassword", "jsonwebtoken", "monkey", "signingkey", "eos_token", "name", "id", ""
    ]) {
      expect(isSecretKeyName(key), key).toBe(false)
    }
  })
})

describe("redactKeyedValue", () => {
  it("redacts the whole value of a secret-named key, whatever its shape", () => {
    expect(redactKeyedValue("password", "x")).toEqual({ text: `[REDACTED:${SECRET_FIELD_RULE}]`, rules: [SECRET_FIELD_RULE] })
    expect(redactKeyedValue("SecretAccessKey", "short but secret").text).toBe(`[REDACTED:${SECRET_FIELD_RULE}]`)
    expect(redactKeyedValue("client_secret", "a b c").rules).toEqual([SECRET_FIELD_RULE])
  })

  it("keeps empty, masked and already-redacted values and references, and redacts within other keys' values", () => {
    for (const value of ["", "********", "[REDACTED:github-token]", "${DB_PASSWORD}", "{{ secrets.TOKEN }}"]) {
      expect(redactKeyedValue("password", value)).toEqual({ text: value, rules: [] })
    }
    expect(redactKeyedValue("name", "deploy")).toEqual({ text: "deploy", rules: [] })
    const token = secrets.find((s) => s.family === "github-token")?.secret ?? ""
    expect(redactKeyedValue("note", `use ${token}`).rules).toEqual(["github-token"])
  })
})
