/**
 * What the build stamps into a bundle: myco's version (package.json) and the id of this very
 * build, the same in every bundle that one build makes. Unbundled code (tests, scripts run with
 * tsx) has a development version and no build id.
 */
declare const __MYCO_VERSION__: string | undefined
declare const __MYCO_BUILD__: string | undefined

/** The version of this build. */
export const VERSION: string = typeof __MYCO_VERSION__ === "string" ? __MYCO_VERSION__ : "0.0.0-dev"

/**
 * An id unique to one build of the bundles, or undefined outside a bundle. What one build checked
 * (a myco.yaml found valid, see ConfigCache.ts) is trusted by the same build only.
 */
export const BUILD_ID: string | undefined = typeof __MYCO_BUILD__ === "string" && __MYCO_BUILD__ !== "" ? __MYCO_BUILD__ : undefined
