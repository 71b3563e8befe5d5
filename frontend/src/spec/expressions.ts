/**
 * Literal values as jmespath expressions, and back. The inspector lets people
 * type plain values ("EUR", 42, true) and stores the expression the spec needs
 * ('EUR', `42`, `true`), so no one has to learn jmespath quoting to pass a constant.
 */
export type LiteralKind = "string" | "number" | "boolean" | "json";

export interface Literal {
  kind: LiteralKind;
  value: unknown;
}

/** The expression for a literal value. */
export function literalExpression(value: unknown): string {
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  return "`" + JSON.stringify(value ?? null).replace(/`/g, "\\`") + "`";
}

/** The literal an expression stands for, or null when it is not a plain literal. */
export function parseLiteral(expression: string): Literal | null {
  const text = expression.trim();
  const raw = /^'((?:[^'\\]|\\.)*)'$/.exec(text);
  if (raw) return { kind: "string", value: raw[1].replace(/\\(['\\])/g, "$1") };
  const json = /^`((?:[^`\\]|\\.)*)`$/.exec(text);
  if (json) {
    try {
      const value = JSON.parse(json[1].replace(/\\`/g, "`"));
      if (typeof value === "number") return { kind: "number", value };
      if (typeof value === "boolean") return { kind: "boolean", value };
      if (typeof value === "string") return { kind: "string", value };
      return { kind: "json", value };
    } catch {
      return null;
    }
  }
  return null;
}

/** A one-line, human-readable rendering of an expression (literals shown as values). */
export function describeExpression(expression: string): string {
  const literal = parseLiteral(expression);
  if (!literal) return expression;
  return literal.kind === "string" ? JSON.stringify(literal.value) : JSON.stringify(literal.value);
}

/** Suggestions for expression fields: the run input and each earlier step's output. */
export function contextSuggestions(nodeIds: string[]): string[] {
  return ["input", ...nodeIds.map((id) => `data.${id}`), "run.id", "run.business_key"];
}
