import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { listCountries, parseCountry, UnknownCountryError } from "./country.ts";

Deno.test("listCountries holds exactly the 249 ISO 3166-1 countries", () => {
  const countries = listCountries();
  assertEquals(countries.length, 249);
  const codes = new Set(countries.map((c) => c.alpha2));
  for (const code of ["PL", "GB", "US", "DE", "CH", "AQ", "SS", "CW"]) {
    assertEquals(codes.has(code), true, code);
  }
  for (const code of ["UK", "EU", "UN", "ZZ", "XK", "SU"]) {
    assertEquals(codes.has(code), false, code);
  }
});

Deno.test("parseCountry accepts codes and names and returns alpha-2", () => {
  assertEquals(parseCountry("PL"), "PL");
  assertEquals(parseCountry("pl"), "PL");
  assertEquals(parseCountry("Poland"), "PL");
  assertEquals(parseCountry("united kingdom"), "GB");
  assertEquals(parseCountry("Côte d’Ivoire"), "CI");
  assertEquals(parseCountry("Bosnia & Herzegovina"), "BA");
});

Deno.test("parseCountry rejects unknown countries", () => {
  for (const bad of ["", "XX", "UK", "Atlantis", "P"]) {
    assertThrows(() => parseCountry(bad), UnknownCountryError);
  }
});
