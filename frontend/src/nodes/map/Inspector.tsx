import { useMemo, useState } from "react";
import { ExpressionInput } from "../_base/ExpressionInput";
import { FailurePolicyField } from "../_base/FailurePolicyField";
import { Field, NumberInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { MappingEditor } from "../_base/MappingEditor";
import { SubFlowEditor } from "../_base/SubFlowEditor";
import { MAP_DEFAULT_CONCURRENCY, MAP_MAX_CONCURRENCY, type NodeFields } from "../../spec/types";
import {
  itemsProblem, MAP_SUB_FLOW, maxConcurrencyProblem, toleranceKind, toleranceNumber, toleratedFailures, toleratedFailuresProblem,
} from "./model";

/** What expressions in a map's input see besides input and data. */
const ITEM_SUGGESTIONS = ["item.value", "item.index"];

type Kind = "count" | "percent";

export function MapInspector({ data, update, ctx }: InspectorProps) {
  /** Set one field; undefined removes it (the spec's default applies). */
  const set = <K extends keyof NodeFields>(key: K, value: NodeFields[K], coalesce?: string) =>
    update((f) => {
      const next = { ...f };
      if (value === undefined) delete next[key];
      else next[key] = value;
      return next;
    }, coalesce);
  const inputSuggestions = useMemo(() => [...ITEM_SUGGESTIONS, ...ctx.suggestions], [ctx.suggestions]);
  // The kind chosen while no number is typed yet (a typed value says its own kind).
  const [chosenKind, setChosenKind] = useState<Kind>(toleranceKind(data.tolerated_failures) ?? "count");
  const kind = toleranceKind(data.tolerated_failures) ?? chosenKind;
  const tolerated = toleranceNumber(data.tolerated_failures);
  return (
    <>
      <Field label="Items" hint="An expression giving the list to map over, e.g. input.lines: each element runs the sub-flow once" error={itemsProblem(data.items)}>
        <ExpressionInput label="Items" value={data.items} suggestions={ctx.suggestions} onChange={(items) => set("items", items, "items")} />
      </Field>
      <Field
        label="Max concurrency"
        hint={`Item runs going at once (1 to ${MAP_MAX_CONCURRENCY}; ${MAP_DEFAULT_CONCURRENCY} when empty): the others start as slots free up`}
        error={maxConcurrencyProblem(data.max_concurrency)}
      >
        <NumberInput
          aria-label="Max concurrency"
          min={1}
          step={1}
          placeholder={String(MAP_DEFAULT_CONCURRENCY)}
          value={data.max_concurrency}
          onChange={(n) => set("max_concurrency", n, "max_concurrency")}
        />
      </Field>
      <Field
        label="Tolerated failures"
        hint="How many items may fail and the map still succeed: a count, or a share of the items (rounded down). Empty: none, the first failed item fails the map"
        error={toleratedFailuresProblem(data.tolerated_failures)}
      >
        <span className="fd-row">
          <NumberInput
            aria-label="Tolerated failures"
            min={0}
            step={1}
            placeholder="0"
            value={tolerated}
            onChange={(n) => set("tolerated_failures", toleratedFailures(n, kind), "tolerated_failures")}
          />
          <select
            aria-label="Tolerated failures kind"
            value={kind}
            onChange={(e) => {
              const next = e.target.value as Kind;
              setChosenKind(next);
              if (tolerated !== undefined) set("tolerated_failures", toleratedFailures(tolerated, next));
            }}
          >
            <option value="count">failed items</option>
            <option value="percent">% of the items</option>
          </select>
        </span>
      </Field>
      <MappingEditor
        label="Input"
        absentMeans="the item, its index and the run's input"
        value={data.input}
        suggestions={inputSuggestions}
        onChange={(input) => set("input", input, "input")}
      />
      <FailurePolicyField data={data} update={update} />
      <SubFlowEditor flow={data.flow} owner={MAP_SUB_FLOW} onChange={(flow) => set("flow", flow)} />
    </>
  );
}
