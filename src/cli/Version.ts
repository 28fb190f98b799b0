/** myco's version, replaced at build time from package.json. */
declare const __MYCO_VERSION__: string | undefined

/** The version of this build. */
export const VERSION: string = typeof __MYCO_VERSION__ === "string" ? __MYCO_VERSION__ : "0.0.0-dev"
