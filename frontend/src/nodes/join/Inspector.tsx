import { Field } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";

export function JoinInspector({ data, update, ctx }: InspectorProps) {
  const forks = ctx.nodes.filter((n) => n.type === "parallel");
  return (
    <>
      <Field label="Closes the parallel" error={data.fork ? null : "Required"}>
        <select aria-label="Parallel" value={data.fork ?? ""} onChange={(e) => update((f) => ({ ...f, fork: e.target.value }))}>
          <option value="">Choose…</option>
          {data.fork && !forks.some((f) => f.id === data.fork) && <option value={data.fork}>{data.fork} (missing)</option>}
          {forks.map((f) => (
            <option key={f.id} value={f.id}>{f.label ? `${f.label} (${f.id})` : f.id}</option>
          ))}
        </select>
      </Field>
      <Field label="Continue when">
        <select aria-label="Join mode" value={data.mode ?? "all"} onChange={(e) => update((f) => ({ ...f, mode: e.target.value as "all" | "first" }))}>
          <option value="all">every branch has arrived</option>
          <option value="first">the first branch arrives</option>
        </select>
      </Field>
    </>
  );
}
