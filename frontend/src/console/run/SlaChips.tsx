/**
 * Over the run's graph: a chip per node whose step's SLA was breached ("SLA breached: approval"),
 * which selects that node. Text only. (The graph's own node views belong to src/graph and
 * src/nodes; these chips sit over its top left corner.)
 */
import type { RunSla } from "../../api/runs";
import { breachedNodes, withinText } from "./sla";

export function SlaChips({ sla, onPick }: { sla: RunSla | null | undefined; onPick(nodeId: string): void }) {
  const nodes = breachedNodes(sla);
  if (!nodes.length) return null;
  const within = new Map((sla?.steps ?? []).map((s) => [s.node_id, s.within]));
  return (
    <div className="fc-sla-chips" data-testid="sla-chips" aria-label="SLA breached on these steps">
      {nodes.map((nodeId) => (
        <button
          key={nodeId}
          type="button"
          className="fc-sla fc-sla--breached fc-sla-chip"
          data-testid={`sla-chip-${nodeId}`}
          title={`${nodeId} was not done within ${withinText(within.get(nodeId))}; show it`}
          onClick={() => onPick(nodeId)}
        >
          ⏱ SLA breached: {nodeId}
        </button>
      ))}
    </div>
  );
}
