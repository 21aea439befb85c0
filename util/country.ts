/**
 * ISO 3166-1 countries for `--location` / `host.location` (`nym-node.md` §1.3): nym-node accepts
 * a country name or its alpha-2 code and stores and publishes the alpha-2 code. The table comes
 * from the ICU region data bundled with the runtime (`Intl.DisplayNames`), so no list is
 * hard-coded here.
 *
 * @module
 */

/** Thrown when text names no known country. */
export class UnknownCountryError extends Error {
  override name = "UnknownCountryError";
}

// ICU knows some regions that are not ISO 3166-1 countries (EU, UN, pseudo-locales, ...) and
// keeps old codes as aliases (e.g. "UK" for "GB"); neither may be stored.
const NOT_COUNTRIES = new Set([
  "AC",
  "CP",
  "CQ",
  "DG",
  "EA",
  "EU",
  "EZ",
  "IC",
  "QO",
  "TA",
  "UN",
  "XA",
  "XB",
  "XK",
  "ZZ",
]);

/** One country: its alpha-2 code and English name. */
export interface Country {
  /** ISO 3166-1 alpha-2 code, e.g. `"PL"`. */
  readonly alpha2: string;
  /** English short name, e.g. `"Poland"`. */
  readonly name: string;
}

/**
 * Lists the ISO 3166-1 countries known to the runtime, sorted by code.
 *
 * @example
 * ```ts
 * import { listCountries } from "./country.ts";
 * listCountries().some((c) => c.alpha2 === "PL"); // true
 * ```
 */
export function listCountries(): Country[] {
  const names = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
  const out: Country[] = [];
  for (let a = 65; a <= 90; a++) {
    for (let b = 65; b <= 90; b++) {
      const code = String.fromCharCode(a, b);
      if (NOT_COUNTRIES.has(code)) continue;
      const name = names.of(code);
      if (!name) continue;
      // Deprecated codes canonicalise to their replacement ("UK" -> "GB").
      if (Intl.getCanonicalLocales(`und-${code}`)[0] !== `und-${code}`) continue;
      out.push({ alpha2: code, name });
    }
  }
  return out;
}

function normalise(text: string): string {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(
    /[^a-z]/g,
    "",
  );
}

/**
 * Resolves a country name or alpha-2 code (case-insensitive; spaces, punctuation and accents
 * ignored) to its alpha-2 code.
 *
 * @example
 * ```ts
 * import { parseCountry } from "./country.ts";
 * parseCountry("pl"); // "PL"
 * parseCountry("United Kingdom"); // "GB"
 * ```
 */
export function parseCountry(
  text: string,
  countries: readonly Country[] = listCountries(),
): string {
  const wanted = normalise(text);
  if (wanted.length === 2 && text.trim().length === 2) {
    const hit = countries.find((c) => c.alpha2.toLowerCase() === wanted);
    if (hit) return hit.alpha2;
  } else if (wanted.length > 2) {
    const hit = countries.find((c) => normalise(c.name) === wanted);
    if (hit) return hit.alpha2;
  }
  throw new UnknownCountryError(
    `${
      JSON.stringify(text)
    } is not a known country (use a two-letter code such as "PL" or an English name)`,
  );
}
