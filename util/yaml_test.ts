import { parse } from "yaml";
import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { toYaml, YamlEncodeError } from "./yaml.ts";

Deno.test("toYaml emits serde_yaml-like block style", () => {
  assertEquals(toYaml({ status: "up", uptime: 5 }), "status: up\nuptime: 5\n");
  assertEquals(
    toYaml({ a: ["1.2.3.4", "::1"], b: { c: null, d: [] }, e: {} }),
    'a:\n- 1.2.3.4\n- "::1"\nb:\n  c: null\n  d: []\ne: {}\n',
  );
});

Deno.test("toYaml output parses back to the same value", () => {
  const values: unknown[] = [
    {
      data: {
        ip_address: ["1.2.3.4", "2001:db8::1", "::ffff:1.2.3.4"],
        hostname: null,
        keys: {
          ed25519_identity: "2RMWm7PoadaoWpk3KhT2tcFFfA4oKUyC44KwmVvjxNDS",
          primary_x25519_sphinx_key: { rotation_id: 4294967295, public_key: "abc" },
          pre_announced_x25519_sphinx_key: null,
        },
      },
      signature: "5xyz",
    },
    {
      tricky: [
        "",
        "true",
        "no",
        "null",
        "~",
        "123",
        "1e5",
        "0x1f",
        "- dash",
        "a: b",
        "ends:",
        "hash #x",
        " lead",
        "trail ",
        "line\nbreak",
        "tab\tin",
        'quote"s',
        "ünïcödé",
        "@at",
        "[x]",
        "{y}",
        "*star",
        "!bang",
        "%pct",
        "'single'",
      ],
      nested: [[1, 2], [{ a: 1, b: [true, false] }], []],
      numbers: [0, -1, 1.5, 1e-5, 12345678901],
      "key with: colon": "v",
      "": "empty key",
    },
    [],
    {},
    "plain",
    42,
    null,
  ];
  for (const value of values) {
    assertEquals(parse(toYaml(value)), value, JSON.stringify(value));
  }
});

Deno.test("toYaml rejects values YAML cannot hold", () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertThrows(() => toYaml(cyclic), YamlEncodeError);
  assertThrows(() => toYaml({ x: Number.NaN }), YamlEncodeError);
  assertThrows(() => toYaml({ f: () => 1 }), YamlEncodeError);
});
