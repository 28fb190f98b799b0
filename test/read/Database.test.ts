/** The read path reads only a database at this myco's migrations, and knows them all. */
import { describe, expect, it } from "vitest"
import { KNOWN_MIGRATIONS } from "../../src/read/Database.js"
import { knownMigrationIds } from "../../src/store/sqlite/Migrations.js"

describe("the read path's database", () => {
  it("knows exactly the store's migrations", () => {
    expect(KNOWN_MIGRATIONS).toEqual(knownMigrationIds)
  })
})
