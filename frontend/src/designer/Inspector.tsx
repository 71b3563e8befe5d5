/** The right-hand panel: the selected node's or edge's settings, else the definition's. */
import { useEffect, useMemo, useState } from "react";
import { useShallow } from "zustand/react/shallow";
import { renameDefinition } from "../api/definitions";
import { Field } from "../nodes/_base/fields";
import { NodeIcon } from "../nodes/_base/NodeIcon";
import type { InspectorContext } from "../nodes/_base/inspectorTypes";
import { NODE_META } from "../nodes/registry";
import { renameBranch } from "../spec/conditions";
import { contextSuggestions } from "../spec/expressions";
import { edgeBranch, sourceHandles } from "../spec/graph";
import type { NodeFields } from "../spec/types";
import { ConnectTo } from "./ConnectTo";
import { useDesigner, useDesignerStore } from "./context";
import { INSPECTORS } from "./inspectors";

export function Inspector() {
  const selectedNodeId = useDesigner((s) => {
    const sel = s.nodes.filter((n) => n.selected);
    return sel.length === 1 ? sel[0].id : null;
  });
  const selectedEdgeId = useDesigner((s) => {
    const nodesSelected = s.nodes.some((n) => n.selected);
    const sel = s.edges.filter((e) => e.selected);
    return !nodesSelected && sel.length === 1 ? sel[0].id : null;
  });
  const count = useDesigner((s) => s.nodes.filter((n) => n.selected).length);
  if (selectedNodeId) return <NodeInspector key={selectedNodeId} id={selectedNodeId} />;
  if (selectedEdgeId) return <EdgeInspector key={selectedEdgeId} id={selectedEdgeId} />;
  if (count > 1) return <aside className="fd-inspector"><p className="fd-muted">{count} nodes selected. Ctrl+C copies them, Delete removes them.</p></aside>;
  return <DefinitionPanel />;
}

const SEP = "\u0000";

function NodeInspector({ id }: { id: string }) {
  const store = useDesignerStore();
  const readOnly = useDesigner((s) => s.readOnly || !!s.diffPreview);
  const activities = useDesigner((s) => s.activities);
  const definitionKeys = useDesigner((s) => s.definitionKeys);
  const nodeTypes = useDesigner((s) => s.nodeTypes);
  // Data and type only: a drag changes positions, which must not re-render the form.
  const data = useDesigner((s) => s.nodes.find((n) => n.id === id)?.data);
  const type = useDesigner((s) => s.nodes.find((n) => n.id === id)?.type);
  const summaries = useDesigner(useShallow((s) => s.nodes.map((n) => [n.id, n.type, n.data.label ?? ""].join(SEP))));
  const errors = useDesigner((s) => s.errors);
  const nodeSummaries = useMemo(() => summaries.map((line) => {
    const [nid, ntype, label] = line.split(SEP);
    return { id: nid, type: ntype, data: { label } };
  }), [summaries]);

  const ctx: InspectorContext = useMemo(
    () => ({
      activities,
      definitionKeys,
      finalErrors: (t) => nodeTypes.find((n) => n.type === t)?.final_errors ?? [],
      nodes: nodeSummaries.map((n) => ({ id: n.id, type: n.type, label: n.data.label })),
      suggestions: contextSuggestions(nodeSummaries.filter((n) => n.id !== id && n.type !== "start" && n.type !== "end").map((n) => n.id)),
      renameBranch(from, to) {
        store.setState((s) => ({ edges: renameBranch(s.edges, id, from, to) }));
      },
      dropBranch(branch) {
        const s = store.getState();
        const gone = s.edges.filter((e) => e.source === id && edgeBranch(e) === branch).map((e) => e.id);
        if (gone.length) s.deleteElements([], gone);
      },
    }),
    [store, activities, definitionKeys, nodeTypes, nodeSummaries, id],
  );
  if (!data || !type) return null;
  const meta = NODE_META[type];
  const Panel = INSPECTORS[type];
  const node = { data };
  const update = (fn: (f: NodeFields) => NodeFields, coalesce?: string) => store.getState().updateNode(id, fn, coalesce);
  const local = meta.problems(node.data);
  const server = errors.filter((e) => e.node_id === id);

  return (
    <aside className="fd-inspector" aria-label="Inspector">
      <h2>
        <NodeIcon icon={meta.icon} /> {meta.title}
      </h2>
      <fieldset disabled={readOnly} className="fd-inspector__body">
        <NodeIdField id={id} />
        <Field label="Label">
          <input type="text" aria-label="Label" value={node.data.label ?? ""} maxLength={200} onChange={(e) => update((f) => ({ ...f, label: e.target.value || undefined }), "label")} />
        </Field>
        <Field label="Description">
          <textarea aria-label="Description" rows={2} value={node.data.description ?? ""} onChange={(e) => update((f) => ({ ...f, description: e.target.value || undefined }), "description")} />
        </Field>
        <Panel id={id} data={node.data} update={update} ctx={ctx} />
      </fieldset>
      {(local.length > 0 || server.length > 0) && (
        <div className="fd-inspector__problems" role="status">
          <h3>Problems</h3>
          <ul>
            {server.map((e, i) => (
              <li key={`s${i}`}><code>{e.code}</code> {e.message}</li>
            ))}
            {local.filter((p) => !server.some((e) => e.message.includes(p))).map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <ConnectTo id={id} readOnly={readOnly} />
      {!readOnly && (
        <button type="button" className="fd-danger" onClick={() => store.getState().deleteElements([id], [])}>
          Delete node
        </button>
      )}
    </aside>
  );
}

function NodeIdField({ id }: { id: string }) {
  const store = useDesignerStore();
  const [text, setText] = useState(id);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setText(id), [id]);
  return (
    <Field label="Id" hint={error ? undefined : `Later steps read this step's output as data.${id}`} error={error}>
      <input
        type="text"
        aria-label="Node id"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
        onBlur={() => {
          const problem = store.getState().renameNode(id, text);
          setError(problem);
          if (problem) setText(id);
        }}
      />
    </Field>
  );
}

function EdgeInspector({ id }: { id: string }) {
  const store = useDesignerStore();
  const edge = useDesigner((s) => s.edges.find((e) => e.id === id));
  const source = useDesigner((s) => s.nodes.find((n) => n.id === edge?.source));
  const readOnly = useDesigner((s) => s.readOnly || !!s.diffPreview);
  const allErrors = useDesigner((s) => s.errors);
  if (!edge) return null;
  const errors = allErrors.filter((e) => e.edge_id === id);
  const branch = edgeBranch(edge);
  const options = source?.type ? sourceHandles(source.type, source.data) : [];
  if (!options.includes(branch)) options.unshift(branch);
  const update = store.getState().updateEdge;
  return (
    <aside className="fd-inspector" aria-label="Inspector">
      <h2>Connection</h2>
      <p>
        {edge.source} → {edge.target}
      </p>
      <fieldset disabled={readOnly} className="fd-inspector__body">
        {source?.type !== "parallel" ? (
          <Field label="Exit">
            <select aria-label="Exit" value={branch} onChange={(e) => update(id, { branch: e.target.value })}>
              {options.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          </Field>
        ) : (
          <Field label="Branch name" hint="Optional; parallel branches may be named">
            <input type="text" aria-label="Branch" value={branch} onChange={(e) => update(id, { branch: e.target.value || "next" })} />
          </Field>
        )}
        <Field label="Label">
          <input type="text" aria-label="Edge label" value={edge.data?.label ?? ""} onChange={(e) => update(id, { label: e.target.value })} />
        </Field>
      </fieldset>
      {errors.length > 0 && (
        <ul className="fd-inspector__problems">
          {errors.map((e, i) => (
            <li key={i}><code>{e.code}</code> {e.message}</li>
          ))}
        </ul>
      )}
      {!readOnly && (
        <button type="button" className="fd-danger" onClick={() => store.getState().deleteElements([], [id])}>
          Delete connection
        </button>
      )}
    </aside>
  );
}

function DefinitionPanel() {
  const store = useDesignerStore();
  const definition = useDesigner((s) => s.definition);
  const [name, setName] = useState(definition?.name ?? "");
  const [description, setDescription] = useState(definition?.description ?? "");
  const [status, setStatus] = useState<string | null>(null);
  useEffect(() => {
    setName(definition?.name ?? "");
    setDescription(definition?.description ?? "");
  }, [definition]);
  if (!definition) return <aside className="fd-inspector" />;
  const dirty = name !== definition.name || description !== definition.description;
  return (
    <aside className="fd-inspector" aria-label="Inspector">
      <h2>Definition</h2>
      <p className="fd-muted">Select a node or a connection to edit it. Drag from the palette to add steps.</p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const saved = await renameDefinition(definition.key, { name, description });
            store.setState({ definition: saved });
            setStatus("Saved.");
          } catch (err) {
            setStatus(err instanceof Error ? err.message : String(err));
          }
        }}
      >
        <Field label="Key"><input type="text" value={definition.key} readOnly aria-label="Key" /></Field>
        <Field label="Name"><input type="text" aria-label="Definition name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} /></Field>
        <Field label="Description"><textarea aria-label="Definition description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} /></Field>
        <button type="submit" disabled={!dirty || !name.trim()}>Rename</button>
        {status && <span className="fd-muted" role="status"> {status}</span>}
      </form>
      <Shortcuts />
    </aside>
  );
}

export function Shortcuts() {
  return (
    <dl className="fd-shortcuts">
      <dt>Delete / Backspace</dt><dd>delete the selection</dd>
      <dt>Ctrl+Z / Ctrl+Shift+Z</dt><dd>undo / redo</dd>
      <dt>Ctrl+C / Ctrl+V</dt><dd>copy / paste nodes</dd>
      <dt>Ctrl+A</dt><dd>select everything</dd>
      <dt>Ctrl+S</dt><dd>save the draft now</dd>
      <dt>Shift+drag</dt><dd>select an area</dd>
      <dt>Tab, then Enter</dt><dd>focus a node on the canvas, then select it</dd>
      <dt>Arrow keys</dt><dd>move the selected nodes; in the palette, go from step to step</dd>
      <dt>C</dt><dd>connect the selected node to another (“Connect to…” in its inspector)</dd>
      <dt>Escape</dt><dd>clear the selection</dd>
    </dl>
  );
}
