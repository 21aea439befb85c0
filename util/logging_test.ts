import { getLogger } from "@logtape/logtape";
import { assert, assertEquals, assertThrows } from "../testing/asserts.ts";
import {
  configureLogging,
  InvalidLogSettingError,
  parseLogFormat,
  parseLogLevel,
  resetLogging,
} from "./logging.ts";

Deno.test("parseLogLevel and parseLogFormat accept known names only", () => {
  assertEquals(parseLogLevel("DEBUG"), "debug");
  assertEquals(parseLogLevel("warn"), "warning");
  assertEquals(parseLogFormat("JSON"), "json");
  assertThrows(() => parseLogLevel("loud"), InvalidLogSettingError, "unknown log level");
  assertThrows(() => parseLogFormat("xml"), InvalidLogSettingError, "unknown log format");
});

Deno.test("configureLogging filters by level and writes structured JSON lines", async () => {
  const lines: string[] = [];
  await configureLogging({ level: "info", format: "json", write: (l) => lines.push(l) });
  try {
    const logger = getLogger(["nym-node", "test"]);
    logger.debug("hidden");
    logger.info("http api listening on {address}", { address: "127.0.0.1:1234" });
    assertEquals(lines.length, 1);
    assert(lines[0].endsWith("\n"));
    const record = JSON.parse(lines[0]);
    assertEquals(record.message, 'http api listening on "127.0.0.1:1234"');
    assertEquals(record.address, "127.0.0.1:1234");
    assertEquals(record.logger, "nym-node.test");
  } finally {
    await resetLogging();
  }
});
