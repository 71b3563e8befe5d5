import { useEffect, useMemo, useState } from "react";
import { FailurePolicyField } from "../_base/FailurePolicyField";
import { DurationInput, Field, NumberInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { MappingEditor } from "../_base/MappingEditor";
import { ConditionEditor } from "../choice/RuleBuilder";
import { describeCondition } from "../../spec/conditions";
import { type LoopFields, type SubFlow } from "../../spec/types";
import { asLoop, defaultLoopCondition, delayProblem, formatSubFlow, fromLoop, loopMode, maxIterationsProblem, nodeCount, parseSubFlow } from "./model";

/** What expressions in a loop's condition and input see besides input and data. */
const ITERATION_SUGGESTIONS = ["iteration.index", "iteration.output"];

export function LoopInspector({ data, update, ctx }: InspectorProps) {
  const loop = asLoop(data);
  const setLoop = (fn: (f: LoopFields) => LoopFields, coalesce?: string) => update((f) => fromLoop(fn(asLoop(f))), coalesce);
  const mode = loopMode(loop);
  const condition = mode === "until" ? loop.until : loop.while;
  const suggestions = useMemo(() => [...ITERATION_SUGGESTIONS, ...ctx.suggestions], [ctx.suggestions]);
  const setMode = (next: "until" | "while") =>
    setLoop((f) => {
      const kept = (loopMode(f) === "until" ? f.until : f.while) ?? defaultLoopCondition();
      const out = { ...f };
      delete out.until;
      delete out.while;
      out[next] = kept;
      return out;
    });
  return (
    <>
      <Field label="Max iterations" hint="Reaching it with the condition still asking for more fails the step (LoopLimitReached)" error={maxIterationsProblem(loop.max_iterations)}>
        <NumberInput
          aria-label="Max iterations"
          min={1}
          step={1}
          value={loop.max_iterations}
          onChange={(max_iterations) => setLoop((f) => ({ ...f, max_iterations }), "max_iterations")}
        />
      </Field>
      <fieldset className="fd-loop__condition">
        <legend>Repeat</legend>
        <Field label="Repeat" hint="Checked after each iteration; it sees iteration.index (from 0) and iteration.output (the iteration's end output), besides input and data">
          <select aria-label="Repeat" value={mode} onChange={(e) => setMode(e.target.value as "until" | "while")}>
            <option value="until">until the condition holds</option>
            <option value="while">while the condition holds</option>
          </select>
        </Field>
        {condition !== undefined ? (
          <>
            <ConditionEditor
              label="Condition"
              value={condition}
              depth={0}
              suggestions={suggestions}
              onChange={(c) => setLoop((f) => ({ ...f, [mode]: c }), "loop-condition")}
            />
            <p className="fd-rule__summary" data-testid="loop-condition-summary">
              {mode === "until" ? "Ends when " : "Goes on while "}
              {describeCondition(condition)}
            </p>
          </>
        ) : (
          <button type="button" onClick={() => setMode(mode)}>+ condition</button>
        )}
      </fieldset>
      <Field label="Delay between iterations" hint="Optional: the step waits on a timer, holding no worker" error={delayProblem(loop.delay)}>
        <DurationInput label="Delay" seconds={loop.delay} onChange={(delay) => setLoop((f) => ({ ...f, delay }), "delay")} />
      </Field>
      <MappingEditor
        label="Input"
        absentMeans="the run's input, the iteration and the previous output"
        value={loop.input}
        suggestions={suggestions}
        onChange={(input) => setLoop((f) => ({ ...f, input }), "input")}
      />
      <FailurePolicyField data={data} update={update} />
      <SubFlowSection flow={loop.flow} onChange={(flow) => setLoop((f) => ({ ...f, flow }))} />
    </>
  );
}

/** The sub-flow's nodes, and the sub-flow as JSON (a nested canvas is yet to come). */
function SubFlowSection({ flow, onChange }: { flow: SubFlow | undefined; onChange(flow: SubFlow): void }) {
  const shown = formatSubFlow(flow);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    // Changed from elsewhere (undo): show it, unless the text typed already means it.
    setText((t) => {
      const parsed = parseSubFlow(t);
      return parsed.ok && JSON.stringify(parsed.flow) === JSON.stringify(flow) ? t : shown;
    });
    setError(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shown]);
  const nodes = Array.isArray(flow?.nodes) ? flow.nodes : [];
  const edges = Array.isArray(flow?.edges) ? flow.edges : [];
  return (
    <fieldset className="fd-subflow">
      <legend>Sub-flow</legend>
      <p className="fd-muted" data-testid="subflow-count">
        {nodeCount(flow)}, {edges.length} edge{edges.length === 1 ? "" : "s"}. Each iteration runs this graph as a run of its own, with the loop's input as its input.
      </p>
      <ul className="fd-subflow__nodes" aria-label="Sub-flow nodes">
        {nodes.map((n, i) => (
          <li key={`${i}-${String(n.id)}`} data-testid={`subflow-node-${String(n.id)}`}>
            <code>{String(n.id)}</code> <span className="fd-muted">{String(n.type)}</span>
          </li>
        ))}
      </ul>
      <Field label="Sub-flow JSON" hint='{"nodes": [...], "edges": [...]}, as in a spec; applied when you leave the field' error={error}>
        <textarea
          aria-label="Sub-flow JSON"
          className="fd-subflow__json"
          rows={12}
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onBlur={() => {
            const parsed = parseSubFlow(text);
            if (!parsed.ok) {
              setError(parsed.error);
              return;
            }
            setError(null);
            if (JSON.stringify(parsed.flow) !== JSON.stringify(flow)) onChange(parsed.flow);
            setText(formatSubFlow(parsed.flow));
          }}
        />
      </Field>
      <p className="fd-muted">A step in the sub-flow may not have a compensation: an iteration's steps are not undone.</p>
    </fieldset>
  );
}
