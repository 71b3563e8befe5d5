/** Every server validation problem; clicking one selects and shows its node or edge. */
import { NODE_META } from "../nodes/registry";
import { useDesigner, useDesignerStore } from "./context";

export function ProblemsPanel() {
  const store = useDesignerStore();
  const errors = useDesigner((s) => s.errors);
  const validating = useDesigner((s) => s.validating);
  const unavailable = useDesigner((s) => s.validationUnavailable);
  const nodes = useDesigner((s) => s.nodes);
  const stale = useDesigner((s) => s.validatedStructureVersion !== s.structureVersion);
  const label = (id: string) => {
    const n = nodes.find((x) => x.id === id);
    return n ? `${n.data.label || n.id} (${NODE_META[n.type!]?.title ?? n.type})` : id;
  };
  return (
    <section className="fd-problems" aria-label="Problems" data-testid="problems">
      <header>
        <strong>Problems</strong>{" "}
        <span className={errors.length ? "fd-badge fd-badge--error" : "fd-badge fd-badge--ok"} data-testid="problem-count">
          {errors.length}
        </span>
        <span className="fd-muted">
          {unavailable ?? (validating || stale ? " checking…" : errors.length ? "" : " The spec is valid.")}
        </span>
      </header>
      {errors.length > 0 && (
        <ul>
          {errors.map((e, i) => {
            const target = e.node_id ? { kind: "node" as const, id: e.node_id } : e.edge_id ? { kind: "edge" as const, id: e.edge_id } : null;
            return (
              <li key={i}>
                <button
                  type="button"
                  className="fd-problem"
                  disabled={!target}
                  onClick={() => target && store.getState().focus(target.kind, target.id)}
                  data-testid={`problem-${e.node_id ?? e.edge_id ?? "spec"}`}
                >
                  <code>{e.code}</code>
                  {target && <span className="fd-problem__where">{target.kind === "node" ? label(target.id) : `edge ${target.id}`}</span>}
                  <span>{e.message}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
