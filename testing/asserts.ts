/**
 * Test assertions with the Deno std `@std/assert` API (JSR is unreachable from this build
 * environment), implemented on `node:assert`.
 *
 * @module
 */
import * as nodeAssert from "node:assert/strict";

/** Error thrown by every failed assertion. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

/**
 * Asserts that `expr` is truthy.
 *
 * @example
 * ```ts
 * import { assert } from "./asserts.ts";
 * assert(1 + 1 === 2);
 * ```
 */
export function assert(expr: unknown, msg = "expected a truthy value"): asserts expr {
  if (!expr) throw new AssertionError(msg);
}

/**
 * Asserts deep (structural, type-strict) equality; typed arrays compare element-wise.
 *
 * @example
 * ```ts
 * import { assertEquals } from "./asserts.ts";
 * assertEquals({ a: [1] }, { a: [1] });
 * ```
 */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  try {
    nodeAssert.deepStrictEqual(actual, expected);
  } catch (e) {
    throw new AssertionError(msg ? `${msg}: ${(e as Error).message}` : (e as Error).message);
  }
}

/**
 * Asserts that two values are not deeply equal.
 *
 * @example
 * ```ts
 * import { assertNotEquals } from "./asserts.ts";
 * assertNotEquals(1, 2);
 * ```
 */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  try {
    nodeAssert.notDeepStrictEqual(actual, expected);
  } catch (e) {
    throw new AssertionError(msg ?? (e as Error).message);
  }
}

/**
 * Asserts that `actual` is strictly (`Object.is`) equal to `expected`.
 *
 * @example
 * ```ts
 * import { assertStrictEquals } from "./asserts.ts";
 * assertStrictEquals(1, 1);
 * ```
 */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(msg ?? `expected ${String(expected)}, got ${String(actual)}`);
  }
}

/**
 * Asserts `actual` is within `tolerance` of `expected`.
 *
 * @example
 * ```ts
 * import { assertAlmostEquals } from "./asserts.ts";
 * assertAlmostEquals(0.1 + 0.2, 0.3, 1e-9);
 * ```
 */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance = 1e-7,
  msg?: string,
): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new AssertionError(msg ?? `expected ${actual} to be within ${tolerance} of ${expected}`);
  }
}

/**
 * Asserts that `actual` contains `expected` as a substring.
 *
 * @example
 * ```ts
 * import { assertStringIncludes } from "./asserts.ts";
 * assertStringIncludes("hello", "ell");
 * ```
 */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(
      msg ?? `expected ${JSON.stringify(actual)} to include ${JSON.stringify(expected)}`,
    );
  }
}

/**
 * Asserts that `actual` matches `pattern`.
 *
 * @example
 * ```ts
 * import { assertMatch } from "./asserts.ts";
 * assertMatch("abc", /b/);
 * ```
 */
export function assertMatch(actual: string, pattern: RegExp, msg?: string): void {
  if (!pattern.test(actual)) {
    throw new AssertionError(msg ?? `expected ${JSON.stringify(actual)} to match ${pattern}`);
  }
}

// deno-lint-ignore no-explicit-any
type Constructor<T> = new (...args: any[]) => T;

/**
 * Asserts that `value` is an instance of `type`.
 *
 * @example
 * ```ts
 * import { assertInstanceOf } from "./asserts.ts";
 * assertInstanceOf(new Error(), Error);
 * ```
 */
export function assertInstanceOf<T>(
  value: unknown,
  type: Constructor<T>,
  msg?: string,
): asserts value is T {
  if (!(value instanceof type)) {
    const got = value === null
      ? "null"
      : typeof value === "object"
      ? value.constructor?.name
      : typeof value;
    throw new AssertionError(msg ?? `expected an instance of ${type.name}, got ${got}`);
  }
}

/**
 * Asserts that `fn` throws; optionally that the error is an instance of `errorClass` whose
 * message includes `msgIncludes`. Returns the thrown error.
 *
 * @example
 * ```ts
 * import { assertThrows } from "./asserts.ts";
 * assertThrows(() => { throw new RangeError("bad") }, RangeError, "bad");
 * ```
 */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  errorClass?: Constructor<E>,
  msgIncludes?: string,
): E {
  try {
    fn();
  } catch (e) {
    checkError(e, errorClass, msgIncludes);
    return e as E;
  }
  throw new AssertionError("expected the function to throw");
}

/**
 * Async version of {@linkcode assertThrows}.
 *
 * @example
 * ```ts
 * import { assertRejects } from "./asserts.ts";
 * await assertRejects(() => Promise.reject(new Error("x")), Error, "x");
 * ```
 */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  errorClass?: Constructor<E>,
  msgIncludes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    checkError(e, errorClass, msgIncludes);
    return e as E;
  }
  throw new AssertionError("expected the promise to reject");
}

function checkError(e: unknown, errorClass?: Constructor<Error>, msgIncludes?: string): void {
  if (errorClass && !(e instanceof errorClass)) {
    const got = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new AssertionError(`expected error of type ${errorClass.name}, got ${got}`);
  }
  if (msgIncludes !== undefined && !(e instanceof Error && e.message.includes(msgIncludes))) {
    throw new AssertionError(
      `expected error message to include ${JSON.stringify(msgIncludes)}, got ${
        JSON.stringify((e as Error)?.message)
      }`,
    );
  }
}

/**
 * Fails unconditionally.
 *
 * @example
 * ```ts no-eval
 * import { fail } from "./asserts.ts";
 * fail("unreachable");
 * ```
 */
export function fail(msg = "failed"): never {
  throw new AssertionError(msg);
}
