/** myco's version, replaced at build time from package.json (lean/Build.ts). */
export { VERSION } from "../lean/Build.js"
