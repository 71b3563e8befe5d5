import { useMemo } from "react";
import { FailurePolicyField } from "../_base/FailurePolicyField";
import { DurationInput, Field, NumberInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { MappingEditor } from "../_base/MappingEditor";
import { SubFlowEditor } from "../_base/SubFlowEditor";
import { ConditionEditor } from "../choice/RuleBuilder";
import { describeCondition } from "../../spec/conditions";
import type { LoopFields } from "../../spec/types";
import { asLoop, defaultLoopCondition, delayProblem, fromLoop, LOOP_SUB_FLOW, loopMode, maxIterationsProblem } from "./model";

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
      <SubFlowEditor flow={loop.flow} owner={LOOP_SUB_FLOW} onChange={(flow) => setLoop((f) => ({ ...f, flow }))} />
    </>
  );
}
