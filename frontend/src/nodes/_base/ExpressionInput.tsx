/** One expression: a plain value (stored as a jmespath literal) or an expression over the run's data. */
import { useId, useState } from "react";
import type { JsonSchema } from "../../api/definitions";
import { literalExpression, parseLiteral } from "../../spec/expressions";
import { NumberInput } from "./fields";

/** A JSON Schema's type, ignoring "null" in a list of types. */
export function schemaType(schema: JsonSchema | undefined): string | undefined {
  const t = schema?.type;
  return Array.isArray(t) ? t.find((x) => x !== "null") : t;
}

/**
 * One expression, typed either as a plain value (stored as a jmespath literal)
 * or as an expression. The value editor follows the JSON Schema type when known.
 */
export function ExpressionInput({ value, onChange, suggestions, schema, label }: { value: string | undefined; onChange(v: string | undefined): void; suggestions: string[]; schema?: JsonSchema; label: string }) {
  const literal = value !== undefined ? parseLiteral(value) : null;
  const listId = useId();
  const [mode, setMode] = useState<"value" | "expression">(value === undefined || !literal ? (schemaType(schema) && value === undefined ? "value" : "expression") : "value");
  const type = schemaType(schema);
  const editor = () => {
    if (mode === "expression") {
      return <input type="text" aria-label={label} list={listId} value={value ?? ""} placeholder="e.g. input.order.id" onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)} />;
    }
    const v = literal?.value;
    if (type === "boolean") {
      return (
        <select aria-label={label} value={v === true ? "true" : v === false ? "false" : ""} onChange={(e) => onChange(e.target.value === "" ? undefined : literalExpression(e.target.value === "true"))}>
          <option value="">(not set)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    }
    if (type === "number" || type === "integer") {
      return <NumberInput aria-label={label} value={typeof v === "number" ? v : undefined} onChange={(n) => onChange(n === undefined ? undefined : literalExpression(n))} />;
    }
    if (schema?.enum) {
      return (
        <select aria-label={label} value={v === undefined ? "" : JSON.stringify(v)} onChange={(e) => onChange(e.target.value === "" ? undefined : literalExpression(JSON.parse(e.target.value)))}>
          <option value="">(not set)</option>
          {schema.enum.map((opt) => (
            <option key={JSON.stringify(opt)} value={JSON.stringify(opt)}>{String(opt)}</option>
          ))}
        </select>
      );
    }
    return <input type="text" aria-label={label} value={typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v)} placeholder="a fixed value" onChange={(e) => onChange(literalExpression(e.target.value))} />;
  };
  return (
    <span className="fd-expr">
      <select className="fd-expr__mode" aria-label={`${label} mode`} value={mode} onChange={(e) => setMode(e.target.value as "value" | "expression")} title="A fixed value, or an expression over the run's input and earlier steps' outputs">
        <option value="value">value</option>
        <option value="expression">from</option>
      </select>
      {editor()}
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
    </span>
  );
}
