/** The pure domain of myco: ids, sessions and their status machine, events, failures. */
export * from "./Errors.js"
export * from "./Event.js"
export * from "./Failure.js"
export * from "./Ids.js"
export * from "./Session.js"
