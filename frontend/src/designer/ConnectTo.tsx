/**
 * The selected node's connections, made and reached from the keyboard (the inspector shows it):
 * "Connect to…" picks the target node, and the exit for a node with several (a choice's rules,
 * a signal's timeout), and connects them through the canvas's own onConnect, so the rules of a
 * drag (connections.ts) apply; a refusal is said in the canvas's notice (ConnectionNotice), in the
 * drag's words. The node's connections are listed with a button each that selects it: the canvas's
 * edges are not tab stops (Tab would cross every one), this list is how a keyboard reaches them.
 * Shortcut: C with one node selected focuses the target list (useShortcuts).
 */
import { useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { edgeBranch, sourceHandles } from "../spec/graph";
import { useDesigner, useDesignerStore } from "./context";
import { focusSidePanel } from "./SkipLink";

export const CONNECT_TARGET_ID = "fd-connect-target";

const SEP = "\u0000";

/** "Label (id)", or the id alone for a node without a label. */
const named = (id: string, label: string | undefined) => (label && label !== id ? `${label} (${id})` : id);

export function ConnectTo({ id, readOnly = false }: { id: string; readOnly?: boolean }) {
  const store = useDesignerStore();
  const type = useDesigner((s) => s.nodes.find((n) => n.id === id)?.type);
  const data = useDesigner((s) => s.nodes.find((n) => n.id === id)?.data);
  // Ids and labels only (a drag moves positions, which must not re-render this).
  const others = useDesigner(useShallow((s) => s.nodes.filter((n) => n.id !== id).map((n) => [n.id, n.data.label ?? ""].join(SEP))));
  const links = useDesigner(useShallow((s) => s.edges.filter((e) => e.source === id || e.target === id).map((e) => [e.id, e.source, e.target, edgeBranch(e)].join(SEP))));
  const [target, setTarget] = useState("");
  const [chosenExit, setChosenExit] = useState<string | null>(null);
  if (!type || !data) return null;
  const exits = sourceHandles(type, data);
  const parallel = type === "parallel";
  const connections = links.map((line) => {
    const [edgeId, source, to, branch] = line.split(SEP);
    return { edgeId, source, target: to, branch };
  });
  const taken = new Set(connections.filter((c) => c.source === id).map((c) => c.branch));
  const exit = chosenExit !== null && exits.includes(chosenExit) ? chosenExit : exits.find((x) => parallel || !taken.has(x)) ?? exits[0];
  const exitLabel = (h: string) => {
    const rule = data.rules?.find((r) => r.id === h);
    return `${rule?.label ? `${rule.label} (${h})` : h}${!parallel && taken.has(h) ? " — connected" : ""}`;
  };

  const connect = () => {
    if (!target) return;
    const s = store.getState();
    const problem = s.onConnect({ source: id, target, sourceHandle: exit ?? null, targetHandle: null });
    if (problem) return s.refuse(problem);
    s.notify("success", `Connected ${id}${exits.length > 1 ? ` (${exit})` : ""} to ${target}.`);
    setTarget("");
    setChosenExit(null);
  };

  return (
    <section className="fd-connect" aria-label="Connections">
      {exits.length > 0 && !readOnly && (
        <fieldset className="fd-connect__form">
          <legend>Connect to…</legend>
          {exits.length > 1 && (
            <label className="fd-field">
              <span className="fd-field__label">From the exit</span>
              <select aria-label="Exit to connect" value={exit} onChange={(e) => setChosenExit(e.target.value)}>
                {exits.map((h) => <option key={h} value={h}>{exitLabel(h)}</option>)}
              </select>
            </label>
          )}
          <div className="fd-row">
            <select
              id={CONNECT_TARGET_ID}
              aria-label="Node to connect to"
              value={target}
              onChange={(e) => setTarget(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && target) {
                  e.preventDefault();
                  connect();
                }
              }}
            >
              <option value="">Choose a node…</option>
              {others.map((line) => {
                const [nid, label] = line.split(SEP);
                return <option key={nid} value={nid}>{named(nid, label)}</option>;
              })}
            </select>
            <button type="button" disabled={!target} onClick={connect}>Connect</button>
          </div>
          <span className="fd-field__hint">Shortcut: C with a node selected. The same rules as dragging apply.</span>
        </fieldset>
      )}
      {connections.length > 0 && (
        <>
          <h3>Connections</h3>
          <ul className="fd-connect__list">
            {connections.map((c) => (
              <li key={c.edgeId}>
                <button type="button" className="fd-link" onClick={() => {
                    store.getState().select({ edges: [c.edgeId] });
                    // This list goes with the node's inspector: the focus goes on to the connection's.
                    window.setTimeout(focusSidePanel, 0);
                  }} title="Select this connection (edit or delete it)">
                  {c.source === id ? `→ ${c.target}` : `← ${c.source}`}
                  {c.branch !== "next" ? ` (${c.branch})` : ""}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
