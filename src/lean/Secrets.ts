/**
 * Secret redaction for captured text: every string an agent's session produces passes through
 * `redactSecrets` before it is stored or written anywhere, and each secret in it is replaced by
 * `[REDACTED:<rule>]`. It replaces the short rule list of src/capture/Boundary.ts with rule
 * families at least as broad as gitleaks' and detect-secrets' (our own patterns, not theirs):
 *
 * - self-identifying tokens, found anywhere: a vendor prefix and a fixed alphabet (AWS, GitHub,
 *   GitLab, Slack, Stripe, OpenAI, Anthropic, Google, Azure, Twilio, SendGrid, npm, PyPI, Docker,
 *   Heroku, DigitalOcean, Shopify, Square, Mailgun, Vault, Databricks and thirty more), JWTs, PEM
 *   and PGP private key blocks (with or without their END line) and their base64;
 * - credentials in a place that says what they are: `Authorization:`, `X-Api-Key:` and cookie
 *   headers, a URL's userinfo password, `--password X` and `-u user:pass` flags, `mysql -pX`,
 *   `.netrc`, SQL `PASSWORD '...'`, `<password>` elements, and the value of a secret-named key
 *   (`isSecretKeyName`) in env files, shell, YAML, TOML, JSON, INI, properties and code;
 * - random-looking values of other `*_key` names (`MAPBOX_KEY=...`).
 *
 * What is not a secret stays byte for byte: hashes, UUIDs, integrity strings, public keys and
 * certificates, Stripe's publishable `pk_` keys, variable references (`$TOKEN`, `${{ secrets.X }}`,
 * `process.env.X`, `getToken()`, `token = element`), placeholders (`****`, `<your-api-key>`, `xxx`,
 * `changeme`, `test-key`: well-known stand-ins are no secret, and docs are full of them), names
 * (`"access_token"`, enum-like `"EOF"`), labels and prose.
 *
 * Not covered, by decision: credentials passed by position (`HTTPBasicAuth('u', 'pw')`), YAML
 * block scalars (`password: |`), multi-word bare YAML values (`password: two words`, which reads
 * as prose), bare values with nothing to say what they are (a legacy Heroku key is just a UUID),
 * and short or plain-word values under ambiguous names (`auth=github`, `pass: hunter`).
 *
 * It imports nothing, not even Node's modules: it is bundled into the hook binary, which must
 * start in milliseconds. Every pattern runs in linear time: quantifiers are bounded, no repetition
 * is ambiguous, and context (the key before a separator, what follows a value, where a key block
 * ends) is read by plain code rather than by backtracking. A marker is never matched again.
 */

/** One secret pattern: its name (used in the marker `[REDACTED:<name>]`) and a global regex. */
export interface SecretRule {
  readonly name: string
  readonly pattern: RegExp
}

/** Start and end (exclusive) of a secret in the text. */
type Span = readonly [number, number]
const isSpan = (x: Span | ReadonlyArray<Span>): x is Span => typeof x[0] === "number"

interface Rule extends SecretRule {
  /** Lower-case strings one of which the text must contain for the rule to be tried at all. */
  readonly keywords?: ReadonlyArray<string>
  /** The secret(s) within a match, or undefined when the match is not one; default: the match. */
  readonly secret?: (m: RegExpExecArray, text: string) => Span | ReadonlyArray<Span> | undefined
}

/** The name of the marker `redactKeyedValue` puts in place of the value of a secret-named key. */
export const SECRET_FIELD_RULE = "secret-field"

// ---------------------------------------------------------------------------------------------
// Key names

const words = (s: string): Array<string> => (s.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []).map((w) => w.toLowerCase())
const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

const SECRET_WORDS = set("password passwords passwd passphrase pass secret secrets token credential credentials creds auth authorization apikey bearer privatekey")
/** Words that make a following `key` a secret one: `api_key`, `signing_key`, `AccountKey`. */
const KEY_QUALIFIERS = set(
  "api access secret private client master signing sign encryption encrypt decryption crypt crypto cipher aes app application auth session service subscription account shared sas hmac jwt consumer license deploy admin root storage write ingest webhook server live prod production management mgmt personal owner secure security integration partner merchant developer bot"
)
/** One-word names of secret keys: `apikey`, `SECRETACCESSKEY` (not git's `signingkey`, an id). */
const COMPOUND_KEY = /(?:api|access|secret|private|client|master|encryption|app|auth|session|account|subscription|shared|consumer|license|admin|webhook)key$/
/** Words that make a following `token` not a credential: `csrf_token`, `next_page_token`, `eos_token`. */
const TOKEN_NOT = set(
  "csrf xsrf anti next page continuation pagination sync cancellation cancel public design lexer parser syntax input output total prompt completion cached cache reasoning form state special bos eos pad unk mask sep cls start end stop eot max min word"
)
/** Prefixes of compound words ending in `token` that are credentials: `authtoken`, `accesstoken`. */
const TOKEN_COMPOUND = /^(?:auth|access|refresh|api|bearer|session|id|oauth|github|gitlab|npm|slack|bot|personal|service|user|admin|app|client|secret|deploy|registry|vault|device|push|identity|sas|jwt|security|master|private)token$/
/** A last word that makes a name about a secret rather than the secret: `token_ttl`, `password_file`. */
const LAST_NOT = set(
  "id ids name names type types kind length len size count counts min max limit limits budget usage used file files path paths dir directory url uri urls endpoint endpoints host hostname port domain sock socket policy policies prompt field fields label labels header headers code hint placeholder format regex pattern expiry expires expiration expired ttl timeout lifetime age at date time timestamp param params env var variable stdin helper command cmd manager provider providers store mode method methods enabled disabled required optional reset rotation version location ref refs reference arn source class style icon input button form error errors message msg status state valid validation validator strength rule rules generator index idx prefix suffix template schema scheme scope scopes audience issuer algorithm alg encoding charset level interval change changed set exists present missing visible hidden shown link period days hours minutes seconds ms bits bytes ts js mjs cjs tsx jsx go py rb rs java kt php json yaml yml toml md txt log sh lock html css"
)
/** A first word that makes a name a flag or an action: `no_password`, `use_token`, `getPassword`. */
const FIRST_NOT = set(
  "no non not is has have unexpected expected invalid missing unknown bad use using uses enable enabled disable disabled require required requires show hide min max num total with allow allowed skip should can need needs validate check verify forgot get set fetch load read on handle toggle count last"
)
/** Names whose only secret word is ambiguous (`auth=ok`): their value must look like a credential. */
const AMBIGUOUS = set("auth pass credentials creds")
/** Qualifiers of `key` that name no secret: `primary_key`, `cache_key`, `public_key`. */
const KEY_NOT = set(
  "symbol type id public pub publishable primary foreign sort partition cache idempotency object group row hash composite unique lookup map i18n translation locale index registry config short hot cursor dedup dedupe routing shard cluster range search query ssh gpg pgp host stream event message bucket s3 react list item dict json yaml env record entity table column field sequence natural surrogate parent child next prev previous first last label"
)
const HINT = /pass|pwd|secret|token|key|auth|cred|bearer/i
const SECRET_SUFFIX = /(?:password|passwd|passphrase|secret)$/

const secretWord = (w: string, prev: string | undefined, count: number): boolean => {
  if (w === "token") return prev === undefined || !TOKEN_NOT.has(prev)
  if (w === "pwd") return count > 1
  if (w === "key") return prev !== undefined && KEY_QUALIFIERS.has(prev)
  if (SECRET_WORDS.has(w)) return true
  if (SECRET_SUFFIX.test(w)) return true
  if (w.endsWith("token")) return TOKEN_COMPOUND.test(w)
  return w.endsWith("key") && COMPOUND_KEY.test(w)
}

/**
 * Whether a key (a JSON object key, a variable, a flag or header name) names a secret, so that
 * its value is one whatever it looks like: `password`, `passwd`, `client_secret`, `api_key`,
 * `apiKey`, `SecretAccessKey`, `_authToken`, `X-Api-Key`, `DATABASE_PASSWORD`, `credentials`...
 * Case-insensitive; the name (of a dotted one, `spring.datasource.password`, its last part) is
 * split into its snake, kebab and camelCase words. A name about a secret rather than holding one
 * is not: `password_length`, `token_ttl`, `secretName`, `AWS_ACCESS_KEY_ID`, `max_tokens`,
 * `csrf_token`, `next_page_token`, `primary_key`, `getPassword`.
 */
export const isSecretKeyName = (key: string): boolean => {
  if (!HINT.test(key)) return false
  const known = NAMES.get(key)
  if (known !== undefined) return known
  if (NAMES.size >= 1024) NAMES.clear()
  const secret = nameIsSecret(key)
  NAMES.set(key, secret)
  return secret
}

/** The names already decided: in captured text, the same keys come again and again. */
const NAMES = new Map<string, boolean>()

const nameIsSecret = (key: string): boolean => {
  // Of a dotted name (`spring.datasource.password`, `token.indent`), the last part is the name.
  const ws = words(key.slice(key.lastIndexOf(".", key.length - 2) + 1))
  const n = ws.length
  const last = ws[n - 1]
  if (last === undefined || n > 7 || LAST_NOT.has(last)) return false
  if (n > 1 && FIRST_NOT.has(ws[0] ?? "")) return false
  // A key of something else named after a secret: `SecretSymbolKey`, `token_cache_key`.
  if (last === "key" && n > 1 && KEY_NOT.has(ws[n - 2] ?? "")) return false
  return ws.some((w, i) => secretWord(w, ws[i - 1], n))
}

/** Whether every secret word of a name is an ambiguous one. */
const isAmbiguous = (ws: ReadonlyArray<string>): boolean => ws.every((w, i) => !secretWord(w, ws[i - 1], ws.length) || AMBIGUOUS.has(w))

/** Whether a key names a key of unknown kind (`key`, `MAPBOX_KEY`): its value is one if random. */
const isKeyishName = (key: string): boolean => {
  const ws = words(key)
  const n = ws.length
  if (ws[n - 1] !== "key" || n > 6) return false
  if (n > 1 && FIRST_NOT.has(ws[0] ?? "")) return false
  return n === 1 || !KEY_NOT.has(ws[n - 2] ?? "")
}

// ---------------------------------------------------------------------------------------------
// Values

const STOP = set(
  "true false null nil none undefined nan yes no on off read write ok okay success successful succeeded failed failure fail error denied granted valid invalid expired revoked missing present set unset enabled disabled enable disable required optional default auto automatic inherit include omit same-origin basic bearer digest oauth oauth2 jwt token tokens password passwd pass pwd secret secrets key apikey api_key api-key credentials credential changeme changeit example sample placeholder redacted hidden masked filtered removed omitted string str number int integer boolean bool object array any unknown never void bytes buffer secretstr env environment file stdin prompt ask interactive keyring keychain empty blank dummy fake todo tbd fixme await new this self return function async typeof lambda static const let var public private protected readonly internal external local remote anonymous guest"
)
const PLACEHOLDER =
  /^(?:your|my)[-_ ]?(?:own[-_ ]?)?(?:api|secret|token|password|pass|key|access|app|client|real|actual|personal|auth|db|database|private)|^(?:replace|insert|enter|put|paste|fill|add)[-_ ]?(?:me|your|in|here|the|an?|with)\b|[-_ ]here$|^(?:change|update)[-_ ]?(?:me|it|this)$|^(?:example|sample|dummy|fake|placeholder|demo)(?:[-_]?(?:api[-_]?)?(?:key|token|secret|password|value))?$|^test[-_]?(?:api[-_]?)?(?:key|token|secret|password)$/i
const REFERENCE = /^(?:\$|%[\w(]|\{\{|\{[\w.]*\}$|<[^<>]*>$|@\w+@$|#\{|\[\[)/
const URL = /^[A-Za-z][\w+.-]*:\/\//
const PATH = /^(?:~|\.{1,2})?\/[\w.@%+/-]*$|^[A-Za-z]:\\|^[\w.-]+(?:\/[\w.-]+)+\.[A-Za-z]{1,8}$/
const VERSION = /^[~^<>=v]*\d+(?:\.\d+){1,3}(?:[-+][\w.-]+)?$|^(?:workspace|npm|file|link|github|git\+\w+):/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const CHAIN = /^[A-Za-z_$][\w$]*(?:[?!]?\.[A-Za-z_$][\w$]*)+$/
const SECRET_WORD_IN_TEXT = /\b(?:password|passphrase|token|secret|key|credentials?)\b/i

const REPEATED = /^(.)\1+$/
const MASKED = /[*•]{3,}|x{4,}|X{4,}|\.\.\.|…/

/** Whether a value stands in for a secret rather than being one: a mask, a reference, a stand-in word. */
const isPlaceholder = (value: string): boolean => {
  const s = value.trim()
  if (s === "" || s.includes("[REDACTED")) return true
  if (STOP.has(s.toLowerCase()) || REFERENCE.test(s) || PLACEHOLDER.test(s)) return true
  return (s.length >= 3 && REPEATED.test(s)) || MASKED.test(s)
}

/**
 * A dotted chain that is code (`process.env.TOKEN`, `config.db.password`, minified `a.header`), not
 * a token with a dot (a legacy Vault `s.<24 random characters>`).
 */
const isCodeChain = (value: string): boolean => !value.split(/[?!]?\./).some((part) => part.length >= 16 && /\d/.test(part))
/** A member access inside a bare value: `B&&B.withCredentials?`, `Y.password?Y.username+`. */
const MEMBER = /[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+/g

/** Whether a value could be a credential: long enough, and not a plain word (a mixed-case word counts unless `strict`). */
const looksLikeCredential = (v: string, min: number, strict = false): boolean =>
  v.length >= min && (/\d/.test(v) || (!strict && /[a-z]/.test(v) && /[A-Z]/.test(v)) || /[^A-Za-z0-9\s]/.test(v) || v.length >= 24)

const entropy = (s: string): number => {
  const counts = new Map<string, number>()
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1)
  let h = 0
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length)
  return h
}

/** Whether a value of a `*_key` name is random enough to be a key (not `name`, `sha512-...`, a UUID). */
const isRandom = (value: string, plainKey: boolean): boolean => {
  if (value.length < 16 || value.length > 1024 || !/^[A-Za-z0-9+/=_.~-]+$/.test(value)) return false
  if (UUID.test(value) || /^(?:sha\d+[-:]|pk_)/i.test(value) || CHAIN.test(value)) return false
  if (/^[0-9a-f]+$/i.test(value)) return !plainKey && value.length >= 32
  // Random text of 16 characters or more all but always has digits; names (`componentDidMount`) have none.
  return (value.match(/\d/g) ?? []).length >= 2 && /[A-Za-z]/.test(value) && entropy(value) >= 3.5
}

/** A value as written after a key: quoted (its content) or bare (up to a delimiter). */
interface Value {
  readonly start: number
  readonly end: number
  readonly quote: string
  /** Whether a quoted value has its closing quote (on the same line). */
  readonly closed: boolean
}

/** A test of one character against an ASCII class, by table (non-ASCII characters are outside it). */
const charClass = (re: RegExp): ((text: string, i: number) => boolean) => {
  const table = Array.from({ length: 128 }, (_, c) => re.test(String.fromCharCode(c)))
  return (text, i) => table[text.charCodeAt(i)] === true
}
const isDelimiter = charClass(/[\s"'`,;&|()[\]{}<>\\]/)
const isLineTokenEnd = charClass(/[\s"'`(){}[\]<>\\]/)
const isKeyChar = charClass(/[\w.-]/)
const isKeyStart = charClass(/[A-Za-z_]/)
const isNotBeforeKey = charClass(/[\w.$/\\-]/)
const isHeaderChar = charClass(/[A-Za-z0-9-]/)
const isWordChar = charClass(/\w/)
const isAlnum = charClass(/[A-Za-z0-9]/)
const isEscapeLetter = charClass(/[nrt]/)
const isStringPrefix = charClass(/[bBrRuUfF]/)
const isQuote = charClass(/["']/)
/** Whether a JSON escape (`\n`, `\r`, `\t`) ends just before `i`. */
const escapeBefore = (text: string, i: number): boolean => text[i - 2] === "\\" && isEscapeLetter(text, i - 1)

/** Reads the value that starts at `i`: a quoted string (also `\"`-escaped, or Python's b"..") or a bare word. */
const readValue = (text: string, i: number): Value | undefined => {
  let j = i
  if (isStringPrefix(text, j) && isQuote(text, j + 1)) j++
  let esc = 0
  while (text[j + esc] === "\\" && esc < 3) esc++
  const q = text[j + esc] ?? ""
  if (q === '"' || q === "'" || q === "`") {
    const start = j + esc + 1
    const closing = "\\".repeat(esc) + q
    const limit = Math.min(text.length, start + 4096)
    let k = start
    while (k < limit && text[k] !== "\n" && text[k] !== "\r") {
      if (text.startsWith(closing, k)) return { start, end: k, quote: q, closed: true }
      k += esc === 0 && text[k] === "\\" ? 2 : 1
    }
    return { start, end: Math.min(k, limit), quote: q, closed: false }
  }
  if (esc > 0) return undefined
  const limit = Math.min(text.length, i + 4096)
  let k = i
  while (k < limit && !isDelimiter(text, k)) k++
  return k > i ? { start: i, end: k, quote: "", closed: true } : undefined
}

/** Whether only spaces, then a line end (also a JSON-escaped `\n`) or a comment follow `i`. */
const atLineEnd = (text: string, i: number): boolean => {
  let k = i
  while (text[k] === " " || text[k] === "\t") k++
  const c = text[k]
  return c === undefined || c === "\n" || c === "\r" || c === "#" || (c === "/" && text[k + 1] === "/") || (c === "\\" && isEscapeLetter(text, k + 1))
}

/** The end of the bare token from `i` to the end of its line (`Tr0ub&dor;3`), or -1 if it does not reach it. */
const lineToken = (text: string, i: number): number => {
  const limit = Math.min(text.length, i + 4096)
  let k = i
  while (k < limit && !isLineTokenEnd(text, k)) k++
  return atLineEnd(text, k) && text[k - 1] !== ";" && text[k - 1] !== "," ? k : -1
}

interface Context {
  /** `KEY=value`, `"key": value`, a flag: a bare value is a value. Otherwise (`key: value`, `key = value`) it must end its line. */
  readonly strong: boolean
  /** `"key": value`: a bare identifier is then a variable, as in `{"password": password}`. */
  readonly quotedKey: boolean
  /** `f(password=pw)` or `token = element` (code, or TOML, whose strings are quoted): a bare identifier is then a variable. */
  readonly kwarg: boolean
  readonly ambiguous: boolean
  /** `KEY=value` at the start of a line (.env): a bare value runs to the end of the line. */
  readonly lineStart?: boolean
}

/**
 * A secret's span, past the 4096 characters its value was judged on: a redaction that stopped
 * there would leave the rest of the secret, and make a new key of it (`...thToken=`).
 */
const whole = (text: string, v: Value, end: number): Span => {
  let k = end
  if (k - v.start >= 4096) while (k < text.length && (v.quote === "" ? !isDelimiter(text, k) : text[k] !== v.quote && text[k] !== "\n")) k++
  return [v.start, k]
}

/** The secret in the value of a secret-named key, unless it is code, a reference or a placeholder. */
const secretSpan = (text: string, v: Value, ctx: Context): Span | undefined => {
  let end = v.end
  // A bare value of a YAML or .env line is all of it: `password: Tr0ub&dor;3`.
  if (v.quote === "" && (!ctx.strong || ctx.lineStart === true) && !atLineEnd(text, end)) end = Math.max(end, lineToken(text, v.start))
  if (v.quote === "" && !ctx.strong && !atLineEnd(text, end)) return undefined
  const value = text.slice(v.start, end)
  if (isPlaceholder(value) || URL.test(value) || PATH.test(value) || VERSION.test(value)) return undefined
  if (ctx.ambiguous && !looksLikeCredential(value, 6, true)) return undefined
  if (!/[A-Za-z0-9]/.test(value)) return undefined
  // A name ("access_token", "X-API-Key": what a secret is stored or sent under) is not a secret.
  const isName = /^[A-Za-z_$][\w$-]*$/.test(value) && !/\d/.test(value)
  if (v.quote !== "") {
    if (value !== value.trim() || (!v.closed && !ctx.strong) || (isName && isSecretKeyName(value))) return undefined
    // In code (`token = "EOF"`, `pass: "overEvery"`), a short or capitalised word is a name or an enum.
    if (!ctx.strong && (value.length < 3 || (/^[^A-Za-z0-9\s]?[A-Za-z]+$/.test(value) && /[A-Z]/.test(value)))) return undefined
    // A label ("Enter your password"), a command ("vitest run test/auth") or a template ("Bearer
    // ${token}") is not a secret either; a passphrase ("correct horse battery staple") is.
    if (/\s/.test(value) && (SECRET_WORD_IN_TEXT.test(value) || /(?:^|\s)-|\/|^(?:\S+\s+){8}\S/.test(value))) return undefined
    // A sentence ("Jeton inattendu."), or "Bearer your_token": a scheme and a placeholder.
    if (/^[\p{L}'’,-]+(?:\s+[\p{L}'’,-]+)+[.!?:…]$/u.test(value)) return undefined
    if (isPlaceholder(value.slice(Math.max(value.lastIndexOf(" "), value.lastIndexOf("\t")) + 1))) return undefined
    return /\$\{|\{\{|#\{|%\(|\{\w*\}/.test(value) || (v.quote === "`" && value.includes("$")) ? undefined : whole(text, v, end)
  }
  const next = text[end] ?? ""
  if (value.length < 2 || (next !== "" && "([<{".includes(next)) || (next === ">" && value.endsWith("="))) return undefined
  if (/^[$@!*&%:=~?^.+-]/.test(value) || /^[A-Z]\w*!$/.test(value)) return undefined
  if (value.length <= 512 && (value.match(MEMBER) ?? []).some(isCodeChain)) return undefined
  // A short name is a variable (`=fe` in minified code), as is a name in code or named after a secret.
  if (isName && (value.length < 4 || ctx.quotedKey || ctx.kwarg || isSecretKeyName(value))) return undefined
  return ctx.strong || atLineEnd(text, end) ? whole(text, v, end) : undefined
}

// ---------------------------------------------------------------------------------------------
// Rules

/** Before a token: the start, a non-word character, or a JSON escape (`\n`). (Fast: no alternation.) */
const L = String.raw`(?<![A-Za-z0-9_](?<!\\[nrt]))`
const rx = (source: string, flags = "g"): RegExp => new RegExp(source, flags)
const group =
  (...ns: ReadonlyArray<number>) =>
  (m: RegExpExecArray): Span | undefined => {
    for (const n of ns) {
      const span = m.indices?.[n]
      if (span !== undefined) return span
    }
    return undefined
  }
const token = (name: string, source: string, keywords: ReadonlyArray<string>, accept?: (s: string) => boolean): Rule => ({
  name,
  pattern: rx(L + source),
  keywords,
  ...(accept === undefined ? {} : { secret: (m: RegExpExecArray): Span | undefined => (accept(m[0]) ? [m.index, m.index + m[0].length] : undefined) })
})

const PEM_END_FIRST = /^[ \t]*(?:[A-Za-z0-9+/=]+(?:[ \t]+[A-Za-z0-9+/=]+)*[ \t]*)?-----END [A-Z0-9 ]{0,60}-----/
const PEM_LINE_FIRST = /^[ \t]*(?:[A-Za-z0-9+/=]+(?:[ \t]+[A-Za-z0-9+/=]+)*[ \t]*)?$/
const PEM_END = /^[ \t]*(?:[A-Za-z0-9+/=]+[ \t]*)?-----END [A-Z0-9 ]{0,60}-----/
const PEM_LINE = /^[ \t]*[A-Za-z0-9+/=]+[ \t]*$/

/**
 * A private key block (or its base64): from BEGIN over its lines (armour headers, then base64, as
 * many blank lines as PGP puts after its headers) to its END line, or, cut short, to the first line
 * that is not key material (or a quote, when the block is inside a string). Lines may end in `\n`
 * escapes, as in JSON.
 */
const privateKeyBlock = (m: RegExpExecArray, text: string): Span => {
  const start = m.index
  // The base64 of a PEM block (kubeconfig's client-key-data, `base64 key.pem`) is all of the match.
  if (m[0].startsWith("LS0t")) return [start, start + m[0].length]
  const from = start + m[0].length
  let window = text.slice(from, from + 65536)
  const next = window.indexOf("-----BEGIN ")
  if (next >= 0) window = window.slice(0, next)
  const quote = window.search(/["'`]/)
  const block = quote < 0 ? window : window.slice(0, quote)
  const newline = /\r?\n|\\n/g
  let end = 0
  let material = false
  for (let p = 0; ; ) {
    const nl = newline.exec(block)
    const line = block.slice(p, nl === null ? block.length : nl.index)
    // The rest of the BEGIN line may hold all the key, space-separated, as when pasted into a variable.
    const [endLine, keyLine] = p === 0 ? [PEM_END_FIRST, PEM_LINE_FIRST] : [PEM_END, PEM_LINE]
    const closing = endLine.exec(line)
    if (closing !== null) return [start, from + p + closing[0].length]
    if (keyLine.test(line) && line.trim() !== "") [material, end] = [true, p + line.trimEnd().length]
    else if (line.trim() === "" ? material : material || !/^[ \t]*[A-Za-z-]+: /.test(line)) break
    if (nl === null) break
    p = nl.index + nl[0].length
  }
  return [start, from + end]
}

/**
 * The separator of `key = value` in all its forms (`KEY=`, `key: `, `"key": `, `key = `, `key := `,
 * `'key' => `). The key before it is read backwards by `keyBefore`: a regex starting at the key
 * would be tried at every word of the text.
 */
const SEPARATOR = /(=>|:=|\?=|=(?![=~])|:(?![:/]))[ \t]*/g

interface Key {
  readonly start: number
  readonly end: number
  readonly quoted: boolean
  /** No space between the key and the separator: `KEY=value`. */
  readonly tight: boolean
}

/** The key that ends before the separator at `i`: up to 64 of `[\w.-]`, at a word start, maybe quoted. */
const keyBefore = (text: string, i: number): Key | undefined => {
  let k = i
  while (text[k - 1] === " " || text[k - 1] === "\t") k--
  const tight = k === i
  const quoted = text[k - 1] === '"' || text[k - 1] === "'"
  if (quoted) {
    k--
    while (text[k - 1] === "\\" && i - k < 8) k--
  }
  const end = k
  while (k > 0 && end - k < 64 && isKeyChar(text, k - 1)) k--
  // After a JSON escape (`\npassword=`) the key starts past its letter.
  if (text[k - 1] === "\\" && isEscapeLetter(text, k) && end - k > 1) k++
  else if (k > 0 && isNotBeforeKey(text, k - 1)) return undefined
  return k < end && isKeyStart(text, k) ? { start: k, end, quoted, tight } : undefined
}

const assignment =
  (keyish: boolean) =>
  (m: RegExpExecArray, text: string): Span | undefined => {
    const key = keyBefore(text, m.index)
    if (key === undefined) return undefined
    const name = text.slice(key.start, key.end)
    if (keyish ? !/key/i.test(name) || isSecretKeyName(name) || !isKeyishName(name) : !isSecretKeyName(name)) return undefined
    const v = readValue(text, m.index + m[0].length)
    if (v === undefined) return undefined
    const ws = words(name)
    const before = text.slice(Math.max(0, key.start - 40), key.start)
    // A TypeScript type (`type Token = "a" | "b"`), or a label in a string ("Password:", then the next string).
    if (/\btype[ \t]+$/.test(before)) return undefined
    const opener = text[key.start - 1]
    if (!key.quoted && v.quote !== "" && opener === v.quote) return undefined
    // A ternary's branches (`c ? "password" : "text"`) look like a JSON pair.
    if (key.quoted && /\?[ \t]*\\{0,3}$/.test(text.slice(Math.max(0, key.start - 8), key.start - 1))) return undefined
    const ctx: Context = {
      // A header of curl's (`-H "token: X"`) is as strong as `KEY=X`.
      strong: key.quoted || (key.tight && (m[1] === "=" || m[1] === ":=")) || /(?:-H|--header)[ \t]+["']$/.test(before),
      quotedKey: key.quoted,
      kwarg: /[(,][ \t]*$/.test(before) || (!key.tight && m[1] !== ":"),
      ambiguous: isAmbiguous(ws),
      lineStart: /(?:\n|\\n)[ \t]*(?:export[ \t]+)?$/.test(before) || (key.start <= 40 && /^[ \t]*(?:export[ \t]+)?$/.test(before))
    }
    const span = secretSpan(text, v, ctx)
    return span === undefined || (keyish && !isRandom(text.slice(span[0], span[1]), ws.length === 1)) ? undefined : span
  }

const FLAG_PROSE = set("flag flags option options argument arguments parameter parameters to or and the a an is are was for with when if as in on of from into by via value values")

/** `--password X`, `--token=X`, `-Dkeystore.password=X`, and `-u user:password` (curl, wget). */
const flagSecret = (m: RegExpExecArray, text: string): Span | undefined => {
  const name = m[2] ?? ""
  const v = readValue(text, m.index + m[0].length)
  if (v === undefined) return undefined
  const value = text.slice(v.start, v.end)
  if (name === "u" || name === "user") {
    // Not docker's `-u node:node` (a user and a group).
    const colon = value.indexOf(":")
    const [user, pass] = [value.slice(0, colon), value.slice(colon + 1)]
    const before = text.slice(Math.max(0, m.index - 200), m.index)
    const line = before.slice(before.lastIndexOf("\n") + 1)
    if (colon <= 0 || isPlaceholder(pass) || pass === user || /^\d+$/.test(pass) || /\b(?:docker|podman|nerdctl|kubectl|chown|ps|sudo|su|runuser)\b/.test(line)) return undefined
    return [v.start + colon + 1, v.end]
  }
  if (/^pass(?:in|out)?$/.test(name) && /^(?:pass|env|file|fd|stdin)(?::|$)/.test(value)) {
    // openssl's -passin pass:X (env:VAR, file:PATH and stdin name where it is, not what it is).
    return value.startsWith("pass:") && !isPlaceholder(value.slice(5)) ? [v.start + 5, v.end] : undefined
  }
  if (!isSecretKeyName(name)) return undefined
  if (v.quote === "") {
    if (value.startsWith("-") || /^(?:id|src|source|env|type|target|mode)=/.test(value)) return undefined
    if (m[3] !== "=" && (FLAG_PROSE.has(value.toLowerCase()) || /^[A-Z][A-Z_]*$/.test(value))) return undefined
  }
  const ctx: Context = { strong: true, quotedKey: false, kwarg: false, ambiguous: isAmbiguous(words(name)) }
  return secretSpan(text, v, ctx)
}

/** `Authorization: <scheme> <credentials>`: one token, or all the parameters of Digest and AWS4. */
const authorizationSecret = (m: RegExpExecArray, text: string): Span | undefined => {
  const start = m.index + m[0].length
  if (/^(?:digest|aws4-hmac-sha256|oauth|hawk|hmac|mac)$/i.test(m[1] ?? "")) {
    // The parameters run to the end of the line, or to the quote the header was opened with.
    const rest = text.slice(start, start + 4096)
    const opened = /(["'`])[ \t]*[\w-]+[ \t]+$/.exec(m[0])?.[1]
    let stop = rest.search(/[\r\n]/)
    if (stop < 0) stop = rest.length
    if (opened !== undefined && rest.indexOf(opened) >= 0) stop = Math.min(stop, rest.indexOf(opened))
    const value = rest.slice(0, stop).trimEnd()
    const left = value.replace(/\[REDACTED:[\w-]+\]/g, "")
    return value.length >= 8 && left.trim() !== "" && !isPlaceholder(left) ? [start, start + value.length] : undefined
  }
  // A quote here closes the string the header was in (`"Basic " + btoa(...)`); code is not a credential.
  const v = /^\\{0,3}["'`]/.test(text.slice(start, start + 4)) ? undefined : readValue(text, start)
  if (v === undefined || (v.quote === "" && (/^[([{.<]/.test(text[v.end] ?? "") || CHAIN.test(text.slice(v.start, v.end))))) return undefined
  // A quoted value holds its scheme too (`f"Bearer {token}"`): the credentials are its last word.
  const raw = text.slice(v.start, v.end)
  const from = v.start + Math.max(raw.lastIndexOf(" "), raw.lastIndexOf("\t")) + 1
  const value = text.slice(from, v.end)
  return !isPlaceholder(value) && looksLikeCredential(value, 8) ? [from, whole(text, v, v.end)[1]] : undefined
}

/** `X-Api-Key: X`, `Private-Token: X`, `X-Auth-Token: X`: a hyphenated header name that names a secret. */
const headerSecret = (m: RegExpExecArray, text: string): Span | undefined => {
  // The match is the header name's last part (`-Key: `): its first parts are read backwards.
  let start = m.index
  while (start > 0 && m.index - start < 80 && isHeaderChar(text, start - 1)) start--
  const name = text.slice(start, m.index) + (m[1] ?? "")
  if (isKeyChar(text, start - 1) || !/^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+){1,6}$/.test(name) || !isSecretKeyName(name)) return undefined
  // An HTTP header's value is bare: a quote here closes the string the header name was in.
  const v = isQuote(text, m.index + m[0].length) || text[m.index + m[0].length] === "`" ? undefined : readValue(text, m.index + m[0].length)
  if (v === undefined) return undefined
  const value = text.slice(v.start, v.end)
  const next = text[v.end] ?? ""
  if (isPlaceholder(value) || !looksLikeCredential(value, 6) || (next !== "" && "([<{".includes(next))) return undefined
  return whole(text, v, v.end)
}

/** Whether a word character (not a JSON escape's letter) comes just before `i`. */
const isWordBefore = (text: string, i: number): boolean => isWordChar(text, i - 1) && !escapeBefore(text, i)

const hasDigitAndLetter = (s: string): boolean => /\d/.test(s) && /[A-Za-z]/.test(s)

const VENDOR_TOKENS = [
  "hf_[A-Za-z0-9]{34}",
  "lin_(?:api|oauth)_[A-Za-z0-9]{40}",
  "PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
  "pul-[a-f0-9]{40}",
  "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
  "glc_[A-Za-z0-9+/]{32,400}={0,2}",
  "NRAK-[A-Z0-9]{27}",
  "sntry[su]_[A-Za-z0-9+/=_-]{40,400}",
  "ATATT3[A-Za-z0-9_=-]{100,300}",
  "pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64}",
  "sbp_[a-f0-9]{40}",
  "r8_[A-Za-z0-9]{37}",
  "gsk_[A-Za-z0-9]{52}",
  "pplx-[A-Za-z0-9]{48}",
  "xai-[A-Za-z0-9]{80}",
  "lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}",
  "dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44}",
  "dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}",
  "AGE-SECRET-KEY-1[0-9A-Z]{58}",
  "rubygems_[a-f0-9]{48}",
  "ops_eyJ[A-Za-z0-9+/=_-]{100,4000}",
  "FLWSECK(?:_TEST)?-[a-h0-9]{32}-X",
  "sk\\.eyJ[A-Za-z0-9_-]{40,400}\\.[A-Za-z0-9_-]{20,200}",
  "EZ[AT]K[A-Za-z0-9]{54}",
  "shippo_(?:live|test)_[a-f0-9]{40}",
  "LTAI[A-Za-z0-9]{20}",
  "AKCp[A-Za-z0-9]{69}",
  "ntn_[A-Za-z0-9]{46}",
  "\\d{8,10}:AA[A-Za-z0-9_-]{33}"
]

const RULES: ReadonlyArray<Rule> = [
  {
    name: "private-key",
    pattern:
      /-----BEGIN ((?:[A-Z0-9]+ ){0,4})PRIVATE KEY(?: BLOCK)?-----|LS0tLS1CRUdJTi[A-Za-z0-9+/]{0,40}?(?:UFJJVkFURSBLRV|BSSVZBVEUgS0VZ|QUklWQVRFIEtFW)[A-Za-z0-9+/=]{0,20000}(?:\r?\n[A-Za-z0-9+/=]{4,76}(?![^\r\n])){0,400}/g,
    keywords: ["private key", "ls0tls1crudjti"],
    secret: privateKeyBlock
  },
  token("aws-access-key-id", "(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])", ["a3t", "akia", "asia", "abia", "acca"]),
  {
    name: "aws-secret-access-key",
    pattern: rx(
      String.raw`(?<![A-Za-z0-9](?<!\\[nrt]))((?:aws)?[_.-]?secret[_.-]?(?:access)?[_.-]?key)\\{0,3}["']?[ \t]*(?:(?:[:=]|=>)[ \t]*)?\\{0,3}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])|\[REDACTED:aws-access-key-id\]["']?[ \t]*[,:;| \t][ \t"']{0,8}([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
      "gid"
    ),
    keywords: ["secret", "akia", "asia"],
    secret: (m) => (m[2] !== undefined || (m[3] !== undefined && /[a-z]/.test(m[3]) && /[A-Z]/.test(m[3])) ? group(2, 3)(m) : undefined)
  },
  token("github-token", "(?:gh[pousr]_[A-Za-z0-9]{30,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])", ["gh", "github_pat_"]),
  token(
    "gitlab-token",
    "(?:gl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt|agent|wt|ffct)-[A-Za-z0-9_-]{20,64}(?:\\.[A-Za-z0-9_-]{2,16}){0,2}|GR1348941[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])",
    ["gl", "gr1348941"]
  ),
  token("slack-token", "(?:xox[abposre]-[A-Za-z0-9-]{10,250}|xapp-\\d-[A-Za-z0-9-]{10,250})", ["xox", "xapp-"]),
  {
    name: "slack-webhook",
    pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9+/_-]{20,200})/dg,
    keywords: ["hooks.slack.com"],
    secret: group(1)
  },
  token("stripe-key", "(?:(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{16,247}|whsec_[A-Za-z0-9]{24,64})(?![A-Za-z0-9])", ["sk_", "rk_", "whsec_"]),
  token("anthropic-api-key", "sk-ant-[A-Za-z0-9_-]{20,250}", ["sk-ant-"]),
  token(
    "openai-api-key",
    "sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,250}|[A-Za-z0-9]{20,250}(?![A-Za-z0-9_-]))",
    ["sk-"],
    (s) => /^sk-(?:proj|svcacct|admin|None)-/.test(s) || ((s.match(/\d/g) ?? []).length >= 2 && /[A-Za-z]/.test(s.slice(3)))
  ),
  token("google-api-key", "AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", ["aiza"]),
  token("google-oauth", "(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\\.[0-9A-Za-z_-]{30,2048}|1//0[0-9A-Za-z_-]{40,512})(?![0-9A-Za-z_-])", ["gocspx-", "ya29.", "1//0"]),
  {
    name: "azure-storage-key",
    pattern: rx(String.raw`(?<![\w](?<!\\[nrt]))(?:AccountKey|SharedAccessKey)=([^;"'\s[\]]{16,512})|[?&]sig=([A-Za-z0-9%+/=]{30,256})`, "gd"),
    keywords: ["accountkey=", "sharedaccesskey=", "sig="],
    secret: group(1, 2)
  },
  {
    name: "azure-ad-client-secret",
    pattern: /(?<![\w~.-](?<!\\[nrt]))[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])/g,
    keywords: ["q~"]
  },
  token("twilio-api-key", "SK[0-9a-fA-F]{32}(?![0-9A-Za-z])", ["sk"], hasDigitAndLetter),
  token("sendgrid-api-key", "SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", ["sg."]),
  token("npm-token", "npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", ["npm_"]),
  token("pypi-token", "pypi-AgE[A-Za-z0-9_-]{50,500}", ["pypi-"]),
  token("docker-token", "dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,64}", ["dckr_"]),
  token("heroku-api-key", "HRKU-[A-Za-z0-9_-]{20,80}", ["hrku-"]),
  token("digitalocean-token", "do[por]_v1_[a-f0-9]{64}(?![A-Za-z0-9])", ["_v1_"]),
  token("shopify-token", "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])", ["shp"]),
  token("square-token", "(?:sq0(?:atp|csp)-[A-Za-z0-9_-]{22,60}|EAAA[A-Za-z0-9_-]{60,200})(?![A-Za-z0-9_-])", ["sq0", "eaaa"]),
  {
    // `key-<32 hex>`, and the newer `<32 hex>-<8 hex>-<8 hex>`: found by its literal tail, for speed.
    name: "mailgun-key",
    pattern: /(?:key|-[0-9a-f]{8})-[0-9a-f]{8}(?:[0-9a-f]{24})?(?![0-9A-Za-z])/g,
    keywords: ["key-", "-"],
    secret: (m, text) => {
      const start = m[0].startsWith("key-") ? m.index : m.index - 32
      const ok = m[0].length === (start === m.index ? 36 : 18) && (start === m.index || /^[0-9a-f]{32}$/.test(text.slice(start, m.index)))
      return ok && start >= 0 && !isWordBefore(text, start) ? [start, m.index + m[0].length] : undefined
    }
  },
  token("vault-token", "hv[sbr]\\.[A-Za-z0-9_-]{24,512}", ["hvs.", "hvb.", "hvr."]),
  token("databricks-token", "dapi[a-f0-9]{32}(?:-\\d)?(?![0-9A-Za-z])", ["dapi"]),
  token("vendor-token", `(?:${VENDOR_TOKENS.join("|")})(?![A-Za-z0-9_-])`, [
    "hf_", "lin_", "pmak-", "pul-", "gls", "glc_", "nrak-", "sntry", "atatt3", "pscale_", "sbp_", "r8_", "gsk_", "pplx-", "xai-", "lsv2_", "dp.",
    "dt0c01.", "age-secret-key-1", "rubygems_", "ops_", "flwseck", "sk.eyj", "ezak", "eztk", "shippo_", "ltai", "akcp", "ntn_", ":aa"
  ]),
  token("jwt", "eyJ[A-Za-z0-9_-]{8,4096}\\.eyJ[A-Za-z0-9_-]{8,8192}\\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])", ["eyj"]),
  {
    name: "authorization-header",
    pattern: rx(
      String.raw`(?<![\w-](?<!\\[nrt]))(?:Proxy-)?Authorization\\{0,3}["'${"`"}]?[ \t]*[:=][ \t]*\\{0,3}["'${"`"}]?(?:(Bearer|Basic|Token|Digest|Bot|JWT|Negotiate|NTLM|OAuth|SSWS|Splunk|ApiKey|Api-Key|Key|AWS4-HMAC-SHA256|GoogleLogin|Hawk|HMAC|MAC)[ \t]+)?`,
      "gi"
    ),
    keywords: ["authorization"],
    secret: authorizationSecret
  },
  {
    name: "bearer-token",
    pattern: /(?<![\w-](?<!\\[nrt]))[Bb]earer[ \t]+([A-Za-z0-9._~+/-]{16,4096}=*)(?![A-Za-z0-9._~+/=-])/dg,
    keywords: ["bearer"],
    secret: (m) => (hasDigitAndLetter(m[1] ?? "") ? group(1)(m) : undefined)
  },
  {
    name: "api-key-header",
    pattern: /(-[A-Za-z0-9]{1,40})[ \t]*:(?![:/])[ \t]*/g,
    keywords: ["key", "token", "secret", "auth", "pass"],
    secret: headerSecret
  },
  {
    name: "netrc-password",
    pattern: /(?<![\w-](?<!\\[nrt]))machine[ \t]+\S{1,256}[ \t\r\n]+(?:login[ \t]+\S{1,256}[ \t\r\n]+)?password[ \t]+([^\s"']{1,512})/dg,
    keywords: ["machine"],
    secret: (m) => (isPlaceholder(m[1] ?? "") ? undefined : group(1)(m))
  },
  {
    name: "url-credentials",
    pattern: /:\/\/([^\s:/?#@"'`<>[\]]{0,256}):([^\s/?#"'`<>]{1,256})@(?=[\w[.-])/dg,
    keywords: ["://"],
    // After a scheme (`postgres://`, `mongodb+srv://`), which is all that can come before `://`.
    secret: (m, text) => (isPlaceholder(m[2] ?? "") || !isAlnum(text, m.index - 1) ? undefined : group(2)(m))
  },
  {
    name: "cli-secret-flag",
    pattern: /(?<![\w./\\-](?<!\\[nrt]))(--?)([A-Za-z][\w.-]{0,40})(=|[ \t]+)/g,
    keywords: ["-"],
    secret: flagSecret
  },
  {
    name: "password-flag",
    pattern: /(mysql(?:dump|admin|import|check|show)?|mariadb(?:-dump|-admin)?|sshpass|(?:docker|podman|buildah|skopeo|oras|crane|nerdctl|helm[ \t]+registry)[ \t]+login)(?![\w-])/g,
    keywords: ["mysql", "mariadb", "sshpass", "login"],
    secret: (m, text) => {
      // mysql takes its password attached (`-pSecret`; `-p` alone prompts), the others after a space.
      if (isWordBefore(text, m.index) || /[./-]/.test(text[m.index - 1] ?? "")) return undefined
      const base = m.index + m[0].length
      const line = text.slice(base, base + 400).split(/\r?\n|[|;&]/, 1)[0] ?? ""
      const flag = (/^m/.test(m[1] ?? "") ? /[ \t]-p(?=[^\s-])/ : /[ \t]-p[ \t]+(?=[^\s-])/).exec(line)
      const v = flag === null ? undefined : readValue(text, base + flag.index + flag[0].length)
      return v === undefined || isPlaceholder(text.slice(v.start, v.end)) ? undefined : [v.start, v.end]
    }
  },
  {
    name: "sql-password",
    pattern: /(?<![\w'"-](?<!\\[nrt]))(?:PASSWORD|IDENTIFIED[ \t]+BY)[ \t]+'([^'\n]{1,256})'/dgi,
    keywords: ["password", "identified"],
    secret: (m) => (isPlaceholder(m[1] ?? "") ? undefined : group(1)(m))
  },
  {
    name: "session-cookie",
    pattern: /(?<![\w-](?<!\\[nrt]))(?:Set-)?Cookie[ \t]*:[ \t]*([^"'`\r\n\\]{0,8192})/dgi,
    keywords: ["cookie"],
    secret: (m) => {
      // The session, auth and token cookies of a Cookie or Set-Cookie header (not a theme or a CSRF token).
      const start = m.indices?.[1]?.[0] ?? 0
      const spans: Array<Span> = []
      for (const pair of (m[1] ?? "").matchAll(/([^\s=;,]{1,128})=([^;\s,]{8,4096})/g)) {
        const name = pair[1] ?? ""
        const value = pair[2] ?? ""
        if (!/sess|sid|token|auth|jwt|remember|login|secret|credential/i.test(name) || /csrf|xsrf/i.test(name) || isPlaceholder(value)) continue
        const at = start + (pair.index ?? 0) + name.length + 1
        spans.push([at, at + value.length])
      }
      return spans
    }
  },
  {
    name: "xml-secret",
    pattern: /<([A-Za-z_][\w.:-]{0,40})(?:\s[^<>]{0,200})?>([^<>\n]{1,512})<\/\1>/dg,
    keywords: ["</"],
    secret: (m) => (isSecretKeyName(m[1] ?? "") && !isPlaceholder(m[2] ?? "") ? group(2)(m) : undefined)
  },
  {
    name: "shell-set-secret",
    pattern: /(?<![\w-](?<!\\[nrt]))(set(?:[ \t]+-[A-Za-z]{1,4})*|setenv)[ \t]+([A-Za-z_]\w{0,63})[ \t]+/g,
    keywords: ["set"],
    secret: (m, text) => {
      const v = isSecretKeyName(m[2] ?? "") ? readValue(text, m.index + m[0].length) : undefined
      const ctx: Context = { strong: m[1] !== "set", quotedKey: false, kwarg: false, ambiguous: isAmbiguous(words(m[2] ?? "")) }
      return v === undefined ? undefined : secretSpan(text, v, ctx)
    }
  },
  { name: "secret-assignment", pattern: SEPARATOR, secret: assignment(false) },
  { name: "high-entropy-assignment", pattern: new RegExp(SEPARATOR.source, "g"), keywords: ["key"], secret: assignment(true) }
]

/**
 * The secret rules, in the order they are applied (most specific first). Each pattern is global;
 * some rules decide on a match with code (its context, its value) beyond the pattern alone.
 */
export const SECRET_RULES: ReadonlyArray<SecretRule> = RULES

const marker = (name: string): string => `[REDACTED:${name}]`

const applyRule = (rule: Rule, text: string, fired: Array<string>): string => {
  const re = rule.pattern
  re.lastIndex = 0
  const parts: Array<string> = []
  let last = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === "") {
      re.lastIndex++
      continue
    }
    const whole: Span = [m.index, m.index + m[0].length]
    const found = rule.secret === undefined ? whole : rule.secret(m, text)
    if (found === undefined) continue
    for (const span of isSpan(found) ? [found] : found) {
      if (span[0] < last || span[1] <= span[0]) continue
      parts.push(text.slice(last, span[0]), marker(rule.name))
      last = span[1]
      fired.push(rule.name)
    }
    if (re.lastIndex < last) re.lastIndex = last
  }
  re.lastIndex = 0
  if (parts.length === 0) return text
  parts.push(text.slice(last))
  return parts.join("")
}

/**
 * Replaces every secret in `text` by `[REDACTED:<rule>]`. Returns the text and the names of the
 * rules that fired, one per redaction, in the order applied. Text without a secret comes back as
 * the same string, with no rules; redacting redacted text changes nothing.
 */
export const redactSecrets = (text: string): { readonly text: string; readonly rules: ReadonlyArray<string> } => {
  const rules: Array<string> = []
  let lower: string | undefined
  // A rule whose keywords the text lacks cannot match it, nor what redaction makes of it.
  const active = RULES.filter((rule) => rule.keywords === undefined || rule.keywords.some((k) => (lower ??= text.toLowerCase()).includes(k)))
  const pass = (input: string): string => active.reduce((out, rule) => applyRule(rule, out, rules), input)
  let out = pass(text)
  // A redaction can change how its neighbours read (a value that ran into it now ends at its
  // marker): redact again until nothing more is found, so that redacting redacted text is a no-op.
  for (let found = rules.length, round = 0; found > 0 && round < 4; round++) {
    found = rules.length
    out = pass(out)
    found = rules.length - found
  }
  return { text: out, rules }
}

/**
 * Redacts the string value of an object's key: the whole value when the key names a secret
 * (`{"password": "x"}`, `{"SecretAccessKey": "..."}`), as `[REDACTED:secret-field]`, unless it is
 * empty, a mask or a `${...}` reference; otherwise the secrets within it, as `redactSecrets`. The
 * key itself should go through `redactSecrets` too: a token used as a key is caught there.
 */
export const redactKeyedValue = (key: string, value: string): { readonly text: string; readonly rules: ReadonlyArray<string> } => {
  const inert = value.trim() === "" || value.includes("[REDACTED:") || /^[*•]+$|^\$\{[^}]*\}$|^\{\{.*\}\}$/.test(value.trim())
  return isSecretKeyName(key) && !inert ? { text: marker(SECRET_FIELD_RULE), rules: [SECRET_FIELD_RULE] } : redactSecrets(value)
}
