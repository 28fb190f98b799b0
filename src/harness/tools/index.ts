/**
 * Every tool of the gateway, by name: the one list the gateway, the llm runtime's Toolkit and the
 * MCP server offer from. A new tool is one module and one line here.
 */
import { eventsTool } from "./Events.js"
import { readFileTool } from "./ReadFile.js"
import { sessionsTool } from "./Sessions.js"
import type { GatewayTool } from "./Tool.js"
import { writeResultTool } from "./WriteResult.js"

export { GatewaySettings, type GatewaySettingsShape, type GatewayTool, type ToolCallContext, type ToolServices } from "./Tool.js"

/** The gateway's tools, by name. */
export const GATEWAY_TOOLS: ReadonlyMap<string, GatewayTool> = new Map(
  [eventsTool, sessionsTool, readFileTool, writeResultTool].map((tool) => [tool.name, tool])
)
