/**
 * The designer's and console's stylesheets: the dark theme (prefers-color-scheme) redefines every
 * colour variable with readable text, leaves no bright surface behind, and the inspector's retry
 * grid can shrink to the panel (jsdom has no layout, so the rules themselves are checked).
 */
import { describe, expect, it } from "vitest";

// Read from disk: vitest hands CSS imports (even ?raw) to the test as empty strings.
const fsModule = "node:fs";
const { readFileSync } = (await import(/* @vite-ignore */ fsModule)) as { readFileSync(path: URL, encoding: "utf8"): string };
const designerCss = readFileSync(new URL("../styles.css", import.meta.url), "utf8");
const consoleCss = readFileSync(new URL("../console/console.css", import.meta.url), "utf8");

interface Rule {
  selector: string;
  body: string;
  media: string | null;
}

/** The rules of a stylesheet, each with the @media it sits in (enough CSS parsing for these two files). */
function rules(css: string): Rule[] {
  const out: Rule[] = [];
  const text = css.replace(/\/\*[\s\S]*?\*\//g, "");
  let i = 0;
  const walk = (media: string | null, end: number) => {
    while (i < end) {
      const open = text.indexOf("{", i);
      if (open < 0 || open >= end) return;
      const head = text.slice(i, open).trim();
      if (head.startsWith("@media") || head.startsWith("@keyframes")) {
        let depth = 1;
        let j = open + 1;
        while (depth) depth += text[j] === "{" ? 1 : text[j] === "}" ? -1 : 0, j++;
        i = open + 1;
        if (head.startsWith("@media")) walk(head, j - 1);
        i = j;
        continue;
      }
      const close = text.indexOf("}", open);
      out.push({ selector: head, body: text.slice(open + 1, close), media });
      i = close + 1;
    }
  };
  walk(null, text.length);
  return out;
}

const DARK = "@media (prefers-color-scheme: dark)";
const declarations = (body: string) =>
  Object.fromEntries(body.split(";").map((d) => d.split(":").map((x) => x.trim())).filter((d) => d.length >= 2 && d[0]).map(([k, ...v]) => [k, v.join(":")]));

function variables(media: string | null): Record<string, string> {
  const root = rules(designerCss).filter((r) => r.selector === ":root" && r.media === media);
  return Object.fromEntries(root.flatMap((r) => Object.entries(declarations(r.body)).filter(([k]) => k.startsWith("--fd-"))));
}

function luminance(hex: string): number {
  const h = hex.replace("#", "");
  const full = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  const [r, g, b] = [0, 2, 4].map((k) => parseInt(full.slice(k, k + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Text colour on background colour, as variable names: every pair the stylesheets paint. */
const PAIRS: [string, string][] = [
  ["text", "bg"], ["text", "panel"], ["text", "subtle"], ["text", "subtle-2"], ["text-2", "panel"], ["text-3", "panel"], ["text-3", "subtle-2"],
  ["muted", "panel"], ["muted", "bg"], ["muted", "subtle"], ["accent", "panel"], ["accent", "bg"], ["on-accent", "accent"], ["on-accent", "error"],
  ["text", "pressed"], ["text", "selected"], ["text", "error-bg"], ["text", "info-bg"], ["text", "warn-strong-bg"],
  ["error-text", "panel"], ["error-text", "error-bg"], ["error-text", "error-soft"], ["ok-text", "panel"], ["warn-text", "panel"], ["warn-text", "warn-bg"],
  ["orange-text", "panel"], ["violet-text", "violet-bg"], ["text-2", "subtle"],
  ["chip-draft-text", "chip-draft-bg"], ["chip-published-text", "chip-published-bg"], ["chip-archived-text", "chip-archived-bg"], ["chip-code-text", "chip-code-bg"],
];

describe("the dark theme", () => {
  const light = variables(null);
  const dark = variables(DARK);

  it("redefines every colour variable of the light theme", () => {
    const colours = Object.keys(light).filter((k) => /^(#|rgb)/.test(light[k]));
    expect(colours.length).toBeGreaterThan(30);
    expect(colours.filter((k) => !(k in dark))).toEqual([]);
    expect(luminance(dark["--fd-bg"])).toBeLessThan(0.03);
    expect(luminance(dark["--fd-panel"])).toBeLessThan(0.03);
  });

  it.each([["light", light], ["dark", dark]])("keeps every text colour readable (4.5:1) in the %s theme", (_name, theme) => {
    const low = PAIRS.map(([fg, bg]) => [fg, bg, contrast(theme[`--fd-${fg}`], theme[`--fd-${bg}`])] as const).filter(([, , ratio]) => ratio < 4.5);
    expect(low).toEqual([]);
  });

  it("gives each chip redefined for it readable text", () => {
    const chips = rules(consoleCss).filter((r) => r.media === DARK).map((r) => [r.selector, declarations(r.body)] as const)
      .filter(([, d]) => /^#/.test(d.background ?? "") && /^#/.test(d.color ?? ""));
    expect(chips.length).toBeGreaterThan(8);
    expect(chips.filter(([, d]) => contrast(d.color, d.background) < 4.5).map(([s]) => s)).toEqual([]);
  });

  it("leaves no bright surface painted with a literal colour", () => {
    const darkSelectors = new Set(rules(consoleCss + designerCss).filter((r) => r.media === DARK).flatMap((r) => r.selector.split(",").map((s) => s.trim())));
    const bright = [...rules(designerCss), ...rules(consoleCss)]
      .filter((r) => r.media === null && r.selector !== ":root")
      .flatMap((r) => Object.entries(declarations(r.body)).filter(([k]) => k === "background" || k === "background-color").map(([, v]) => [r.selector, v] as const))
      .filter(([, v]) => /^#[0-9a-f]{3,6}$/i.test(v) && luminance(v) > 0.6)
      .filter(([selector]) => !selector.split(",").every((s) => darkSelectors.has(s.trim())));
    expect(bright).toEqual([]);
  });
});

describe("the inspector's retry grid", () => {
  const all = rules(designerCss).filter((r) => r.media === null);
  const rule = (selector: string) => declarations(all.find((r) => r.selector === selector)?.body ?? "");

  it("never has columns wider than the panel: they shrink, and wrap to one when narrow", () => {
    expect(rule(".fd-grid2")["grid-template-columns"]).toBe("repeat(2, minmax(0, 1fr))");
    expect(rule(".fd-grid2 > *")["min-width"]).toBe("0");
    expect(rule(".fd-retry .fd-grid2")["grid-template-columns"]).toBe("repeat(auto-fill, minmax(min(130px, 100%), 1fr))");
  });

  it("lets its inputs fill their cell instead of their natural width", () => {
    expect(rule(".fd-grid2 > .fd-field > input, .fd-grid2 > .fd-field > select").width).toBe("100%");
    expect(rule("input, select, textarea")["min-width"]).toBe("0");
  });
});

describe("the keyboard focus ring", () => {
  const all = rules(designerCss).filter((r) => r.media === null);
  const ruleFor = (selector: string) => all.find((r) => r.selector.split(",").map((s) => s.trim()).includes(selector));

  it.each([["light", null], ["dark", DARK]] as const)("stands out (3:1) from every surface it is drawn on in the %s theme", (_name, media) => {
    const theme = variables(media);
    expect(theme["--fd-focus"]).toMatch(/^#/);
    const surfaces = ["bg", "panel", "subtle", "subtle-2", "selected", "pressed", "info-bg", "error-bg", "warn-strong-bg"];
    const low = surfaces.filter((bg) => contrast(theme["--fd-focus"], theme[`--fd-${bg}`]) < 3);
    expect(low).toEqual([]);
  });

  it.each([
    "button:focus-visible", "a:focus-visible", "input:focus-visible", "select:focus-visible", "textarea:focus-visible",
    "[tabindex]:focus-visible", '[role="button"]:focus-visible',
  ])("is drawn on %s, apart from the control", (selector) => {
    const d = declarations(ruleFor(selector)?.body ?? "");
    expect(d.outline).toBe("2px solid var(--fd-focus)");
    expect(d["outline-offset"]).toBe("2px");
  });

  it("is drawn on canvas nodes and edges, over @xyflow/react's `outline: none` (a more specific selector)", () => {
    // xyflow's own rules: .react-flow__node.selectable:focus-visible and .react-flow__edge.selectable:focus-visible .react-flow__edge-path
    const node = declarations(ruleFor(".react-flow .react-flow__node.selectable:focus-visible")?.body ?? "");
    expect(node.outline).toBe("3px solid var(--fd-focus)");
    const edge = declarations(ruleFor(".react-flow .react-flow__edge.selectable:focus-visible .react-flow__edge-path")?.body ?? "");
    expect(edge.stroke).toBe("var(--fd-focus)");
    expect(Number(edge["stroke-width"])).toBeGreaterThanOrEqual(3);
    expect(declarations(ruleFor(".fd-palette__item:focus-visible")?.body ?? "")["border-color"]).toBe("var(--fd-focus)");
  });

  it("shows the skip link only while it has the focus", () => {
    expect(declarations(ruleFor(".fd-skip-link")?.body ?? "").left).toBe("-10000px");
    expect(declarations(ruleFor(".fd-skip-link:focus")?.body ?? "").left).toBe("8px");
  });
});
