/**
 * The shell every node view draws: type, label, summary, handles, and the
 * decorations (problems, run status, diff). Text only: labels and summaries are
 * React text children, never HTML.
 */
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { useEffect, useRef } from "react";
import type { ViewMeta } from "../nodes/_base/generic";
import { NodeIcon } from "../nodes/_base/NodeIcon";
import { hasTarget, sourceHandles, type FlowNode } from "../spec/graph";
import { useDecorations } from "./decorations";
import "./graph.css";

const STATUS_TEXT: Record<string, string> = {
  scheduled: "scheduled",
  running: "running",
  waiting: "waiting",
  succeeded: "done",
  failed: "failed",
  skipped: "skipped",
  cancelled: "cancelled",
};

const handleClass = (h: string) => `fd-handle fd-handle--${h === "default" || h === "timeout" ? h : "branch"}`;

export interface BaseNodeProps extends NodeProps<FlowNode> {
  meta: ViewMeta;
  handleLabel?: (handle: string) => string;
  /** Small text chips after the type ("callback"): text only. */
  badges?: readonly string[];
}

export function BaseNode({ id, type, data, selected, meta, handleLabel, badges }: BaseNodeProps) {
  const deco = useDecorations();
  const errors = deco.errorsByNode.get(id);
  const run = deco.runStatus?.[id];
  const mark = deco.diff?.get(id);
  const handles = sourceHandles(type, data);
  const handleKey = handles.join("|");
  const updateInternals = useUpdateNodeInternals();
  // Re-measure handles only when they change (a rule added); never on mount,
  // where 300 nodes would each trigger a store update.
  const shownHandles = useRef(handleKey);
  useEffect(() => {
    if (shownHandles.current === handleKey) return;
    shownHandles.current = handleKey;
    updateInternals(id);
  }, [id, handleKey, updateInternals]);

  const classes = ["fd-node", `fd-node--${type}`];
  if (selected) classes.push("is-selected");
  if (errors) classes.push("has-errors");
  if (run) classes.push(`fd-status--${run.status}`);
  if (run?.compensation) classes.push(`fd-comp--${run.compensation}`);
  if (mark) classes.push(`fd-diff--${mark}`);
  const many = handles.length > 1;
  const summary = meta.summary(data);

  return (
    <div
      className={classes.join(" ")}
      data-testid={`node-${id}`}
      data-node-id={id}
      data-status={run?.status ?? ""}
      data-diff={mark ?? ""}
    >
      {hasTarget(type) && <Handle type="target" position={Position.Left} className="fd-handle" />}
      <div className="fd-node__head">
        <span className="fd-node__icon" aria-hidden="true"><NodeIcon icon={meta.icon} /></span>
        <span className="fd-node__type">{meta.title}</span>
        {badges?.map((b) => (
          <span key={b} className="fd-chip fd-node__badge" data-testid={`badge-${id}-${b}`}>{b}</span>
        ))}
        {run && (
          <span className="fd-node__status" data-testid={`status-${id}`}>
            {STATUS_TEXT[run.status] ?? run.status}
            {run.attempt > 1 ? ` · attempt ${run.attempt}` : ""}
          </span>
        )}
        {mark && <span className={`fd-node__diff fd-node__diff--${mark}`}>{mark}</span>}
      </div>
      <div className="fd-node__label" data-testid={`label-${id}`}>{data.label || id}</div>
      {summary && <div className="fd-node__summary">{summary}</div>}
      {run?.compensation && <div className="fd-node__comp">↺ compensation {run.compensation}</div>}
      {errors && (
        <div className="fd-node__errors" data-testid={`errors-${id}`} title={errors.map((e) => e.message).join("\n")}>
          ⚠ {errors.length === 1 ? errors[0].message : `${errors.length} problems`}
        </div>
      )}
      {many ? (
        // One row per exit under the summary, its handle at the row's right edge: a label never covers the text above.
        <div className="fd-node__exits">
          {handles.map((h) => (
            <div key={h} className="fd-node__exit" data-testid={`exit-${id}-${h}`}>
              <span className="fd-node__exit-label" title={handleLabel ? handleLabel(h) : h}>{handleLabel ? handleLabel(h) : h}</span>
              <Handle id={h} type="source" position={Position.Right} className={handleClass(h)} />
            </div>
          ))}
        </div>
      ) : (
        handles.map((h) => <Handle key={h} id={h} type="source" position={Position.Right} className={handleClass(h)} />)
      )}
    </div>
  );
}
