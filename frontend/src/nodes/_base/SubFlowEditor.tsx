/** Shared by the loop and map inspectors: the sub-flow's nodes, and the sub-flow as JSON (a nested canvas is yet to come). */
import { useEffect, useState } from "react";
import type { SubFlow } from "../../spec/types";
import { Field } from "./fields";
import { formatSubFlow, nodeCount, parseSubFlow, type SubFlowOwner } from "./subFlow";

export function SubFlowEditor({ flow, owner, onChange }: { flow: SubFlow | undefined; owner: SubFlowOwner; onChange(flow: SubFlow): void }) {
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
        {nodeCount(flow)}, {edges.length} edge{edges.length === 1 ? "" : "s"}. Each {owner.each} runs this graph as a run of its own, with the {owner.node}'s input as its input.
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
      <p className="fd-muted">A step in the sub-flow may not have a compensation: an {owner.run}'s steps are not undone.</p>
    </fieldset>
  );
}
