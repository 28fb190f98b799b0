"use strict"
// Stands in for the `bindings` package inside the bundle: better-sqlite3's JavaScript is bundled
// (and so code-cached), its native addon is loaded from the installed better-sqlite3 package.
const { createRequire } = require("node:module")

module.exports = (name) => {
  const req = createRequire(__filename)
  return req(req.resolve(`better-sqlite3/build/Release/${name}`))
}
