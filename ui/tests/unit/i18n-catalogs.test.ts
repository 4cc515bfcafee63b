// Issue 20: the message catalogs. The Russian catalog has every key of the English one (with
// Russian's plural forms where English has plurals) and neither has a key the code does not
// use; every key the code asks for exists.
import { describe, expect, it } from "vitest";
import en from "../../src/locales/en.json";
import ru from "../../src/locales/ru.json";
import { osLanguage, t, i18n } from "../../src/lib/i18n.svelte";

type Tree = { [k: string]: string | Tree };
const flat = (tree: Tree, prefix = ""): string[] =>
  Object.entries(tree).flatMap(([k, v]) => (typeof v === "string" ? [prefix + k] : flat(v, `${prefix}${k}.`)));
const PLURAL = /_(zero|one|two|few|many|other)$/;
const base = (k: string) => k.replace(PLURAL, "");

// Every source file of the UI, as text (Vite's glob import).
const files = import.meta.glob("../../src/**/*.{svelte,ts}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const code = Object.values(files).join("\n");
const used = new Set([...code.matchAll(/\bt\(\s*"([^"]+)"/g)].map((m) => m[1]));
for (const m of code.matchAll(/\bt\(\s*(?:[^()"]*\?\s*)?"([^"]+)"\s*:\s*"([^"]+)"/g)) used.add(m[1]).add(m[2]);
// Keys built from a value: `t(\`first.fits.${fits}\`)` uses every key under "first.fits.".
const prefixes = [...code.matchAll(/\bt\(\s*`([^`$]+)\$\{/g)].map((m) => m[1]);

describe("message catalogs", () => {
  const enKeys = flat(en as Tree);
  const ruKeys = flat(ru as Tree);

  it("Russian has every English key, and Russian plurals have one, few, many and other", () => {
    const ruBases = new Set(ruKeys.map(base));
    expect(enKeys.map(base).filter((k) => !ruBases.has(k))).toEqual([]);
    for (const plural of new Set(enKeys.filter((k) => PLURAL.test(k)).map(base))) {
      for (const form of ["one", "few", "many", "other"]) expect(ruKeys, `${plural}_${form}`).toContain(`${plural}_${form}`);
    }
    const enBases = new Set(enKeys.map(base));
    expect(ruKeys.map(base).filter((k) => !enBases.has(k)), "Russian keys English lacks").toEqual([]);
  });

  it("no key the code does not use, and no key the code uses is missing", () => {
    const isUsed = (k: string) => used.has(base(k)) || prefixes.some((p) => k.startsWith(p));
    expect(enKeys.filter((k) => !isUsed(k)), "unused keys").toEqual([]);
    const enBases = new Set(enKeys.map(base));
    expect([...used].filter((k) => !enBases.has(k)), "keys missing from en.json").toEqual([]);
  });

  it("follows the OS's language and picks Russian plural forms", () => {
    expect(osLanguage(["ru-RU", "en-US"])).toBe("ru");
    expect(osLanguage(["de-DE", "en-GB"])).toBe("en");
    expect(osLanguage(["fr"])).toBe("en");
    i18n.lang = "ru";
    // The store's setter is `apply` in the app; here the i18next language follows through t's options.
    expect(t("docs.pages", { count: 1, lng: "ru" })).toBe("1 страница");
    expect(t("docs.pages", { count: 3, lng: "ru" })).toBe("3 страницы");
    expect(t("docs.pages", { count: 5, lng: "ru" })).toBe("5 страниц");
    expect(t("docs.pages", { count: 21, lng: "ru" })).toBe("21 страница");
    expect(t("docs.pages", { count: 1, lng: "en" })).toBe("1 page");
    expect(t("docs.pages", { count: 2, lng: "en" })).toBe("2 pages");
  });
});
