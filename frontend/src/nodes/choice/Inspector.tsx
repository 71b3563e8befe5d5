import { useState } from "react";
import { Field } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { describeCondition, newRule, ruleId } from "../../spec/conditions";
import type { Rule } from "../../spec/types";
import { ConditionEditor } from "./RuleBuilder";

export function ChoiceInspector({ data, update, ctx }: InspectorProps) {
  const rules = data.rules ?? [];
  const setRules = (next: Rule[], coalesce?: string) => update((f) => ({ ...f, rules: next }), coalesce);
  const move = (i: number, by: number) => {
    const next = [...rules];
    const [r] = next.splice(i, 1);
    next.splice(i + by, 0, r);
    setRules(next);
  };
  return (
    <div className="fd-rules">
      <p className="fd-muted">Rules are tried in order; the first whose condition holds picks its exit. Otherwise the run takes the default exit.</p>
      {rules.map((rule, i) => (
        <fieldset className="fd-rule" key={i} data-testid={`rule-${rule.id}`}>
          <legend>Rule {i + 1}</legend>
          <div className="fd-grid2">
            <RuleIdField
              rule={rule}
              others={rules.filter((_, j) => j !== i).map((r) => r.id)}
              onRename={(id) => {
                ctx.renameBranch(rule.id, id);
                setRules(rules.map((r, j) => (j === i ? { ...r, id } : r)));
              }}
            />
            <Field label="Label">
              <input type="text" aria-label={`Rule ${i + 1} label`} value={rule.label ?? ""} onChange={(e) => setRules(rules.map((r, j) => (j === i ? { ...r, label: e.target.value || undefined } : r)), `rule-label-${i}`)} />
            </Field>
          </div>
          <ConditionEditor
            label={`Rule ${i + 1}`}
            value={rule.condition}
            depth={0}
            suggestions={ctx.suggestions}
            onChange={(condition) => setRules(rules.map((r, j) => (j === i ? { ...r, condition } : r)), `rule-cond-${i}`)}
          />
          <p className="fd-rule__summary" data-testid={`rule-summary-${rule.id}`}>When {describeCondition(rule.condition)}</p>
          <div className="fd-row">
            <button type="button" disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
            <button type="button" disabled={i === rules.length - 1} onClick={() => move(i, 1)}>↓</button>
            <button
              type="button"
              disabled={rules.length === 1}
              onClick={() => {
                ctx.dropBranch(rule.id);
                setRules(rules.filter((_, j) => j !== i));
              }}
            >
              Remove rule
            </button>
          </div>
        </fieldset>
      ))}
      <button type="button" disabled={rules.length >= 20} onClick={() => setRules([...rules, newRule(rules.map((r) => r.id))])}>
        + Add rule
      </button>
      <p className="fd-muted">Otherwise → <strong>default</strong> exit.</p>
    </div>
  );
}

function RuleIdField({ rule, others, onRename }: { rule: Rule; others: string[]; onRename(id: string): void }) {
  const [text, setText] = useState(rule.id);
  const [error, setError] = useState<string | null>(null);
  return (
    <Field label="Exit id" error={error}>
      <input
        type="text"
        aria-label="Rule id"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text === rule.id) return;
          const fixed = ruleId(text, others);
          if (fixed !== text) {
            setError(`Using "${fixed}" (ids use letters, digits and _, unique, not "default")`);
          } else setError(null);
          setText(fixed);
          onRename(fixed);
        }}
      />
    </Field>
  );
}
