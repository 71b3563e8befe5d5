/**
 * The run page's action buttons, all from the server's `available_actions`:
 * the run's own bar, and every step an operator can act on right now.
 */
import type { AvailableAction } from "../../api/runs";
import { ActionButton } from "./ActionButton";
import { actionableSteps, runActions } from "./actions";

interface Common {
  actions: AvailableAction[];
  canOperate: boolean;
  cannot: string;
  onAction(action: AvailableAction): void;
}

/** Retry, signal (one per waiting signal node), edit data, compensate, cancel. */
export function RunActionBar({ actions, canOperate, cannot, onAction }: Common) {
  return (
    <div className="fc-actions" data-testid="run-actions" aria-label="Run actions" role="group">
      {runActions(actions).map((a) => (
        <ActionButton key={`${a.action}:${a.node_id ?? ""}`} action={a} canOperate={canOperate} cannot={cannot} onOpen={onAction} place="run" />
      ))}
    </div>
  );
}

/**
 * Every step the policy lets an operator act on right now, with all its step
 * actions (the refused ones say why): nothing to find by clicking around the
 * graph. The selected step's panel shows the same buttons for that step.
 */
export function StepActionsOverview({ actions, canOperate, cannot, onAction, onPick }: Common & { onPick(node: string): void }) {
  const groups = actionableSteps(actions);
  if (!groups.length) return null;
  return (
    <section className="fc-step-actions" aria-label="Steps you can act on" data-testid="step-actions-overview">
      <h2>Act on a step</h2>
      {groups.map((g) => (
        <div key={`${g.kind}:${g.nodeId}`} className="fc-step-actions__row" data-testid="step-action-row" data-node-id={g.nodeId} data-kind={g.kind}>
          <button type="button" className="fd-link" onClick={() => onPick(g.nodeId)} title={`Show step ${g.nodeId}`}>
            {g.kind === "compensation" ? `compensation of ${g.nodeId}` : g.nodeId}
          </button>
          <div className="fc-actions" role="group" aria-label={`Actions on ${g.nodeId}`}>
            {g.actions.map((a) => (
              <ActionButton key={a.action} action={a} canOperate={canOperate} cannot={cannot} onOpen={onAction} place="overview" />
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}
