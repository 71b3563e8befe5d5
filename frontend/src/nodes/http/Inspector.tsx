import { useState } from "react";
import { HTTP_METHODS } from "../../spec/types";
import { CallbackEditor } from "../_base/CallbackEditor";
import { CompensationEditor } from "../_base/CompensationEditor";
import { FailurePolicyField } from "../_base/FailurePolicyField";
import { DurationInput, Field, TextInput } from "../_base/fields";
import type { InspectorProps } from "../_base/inspectorTypes";
import { MappingEditor } from "../_base/MappingEditor";
import { RetryEditor } from "../_base/RetryEditor";

export function HttpInspector({ data, update, ctx }: InspectorProps) {
  const headers = data.headers ?? {};
  const [name, setName] = useState("");
  const setHeader = (k: string, v: string | undefined) => {
    const next = { ...headers };
    if (v === undefined) delete next[k];
    else next[k] = v;
    update((f) => ({ ...f, headers: Object.keys(next).length ? next : undefined }), "headers");
  };
  const [statuses, setStatuses] = useState((data.expected_statuses ?? []).join(", "));
  const statusError = statuses.trim() && !/^\s*\d{3}(\s*,\s*\d{3})*\s*$/.test(statuses) ? "Three-digit statuses separated by commas" : null;
  return (
    <>
      <Field label="Method">
        <select aria-label="Method" value={data.method ?? "GET"} onChange={(e) => update((f) => ({ ...f, method: e.target.value }))}>
          {HTTP_METHODS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </Field>
      <Field label="URL" hint="Placeholders like {{ input.order.id }} are URL-encoded">
        <TextInput aria-label="URL" value={data.url} onChange={(url) => update((f) => ({ ...f, url }), "url")} />
      </Field>
      <fieldset>
        <legend>Headers</legend>
        {Object.entries(headers).map(([k, v]) => (
          <div className="fd-row" key={k}>
            <span className="fd-mapping__key">{k}</span>
            <TextInput aria-label={`Header ${k}`} value={v} onChange={(x) => setHeader(k, x)} />
            <button type="button" className="fd-icon-button" aria-label={`Remove header ${k}`} onClick={() => setHeader(k, undefined)}>×</button>
          </div>
        ))}
        <div className="fd-row">
          <input type="text" aria-label="New header name" placeholder="Header-Name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="button" disabled={!name.trim() || name in headers} onClick={() => { setHeader(name.trim(), ""); setName(""); }}>Add header</button>
        </div>
      </fieldset>
      <MappingEditor label="JSON body" absentMeans="no body" value={data.body} suggestions={ctx.suggestions} onChange={(body) => update((f) => ({ ...f, body }), "body")} />
      <Field label="Expected statuses" hint="Default 200, 201, 202, 204" error={statusError}>
        <input
          type="text"
          aria-label="Expected statuses"
          value={statuses}
          placeholder="200, 201, 202, 204"
          onChange={(e) => {
            setStatuses(e.target.value);
            const list = e.target.value.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
            if (list.every((n) => Number.isInteger(n))) update((f) => ({ ...f, expected_statuses: list.length ? [...new Set(list)] : undefined }), "statuses");
          }}
        />
      </Field>
      <Field label="Timeout per attempt" hint="Default 300 seconds">
        <DurationInput label="Timeout" seconds={data.timeout} onChange={(timeout) => update((f) => ({ ...f, timeout }), "timeout")} />
      </Field>
      <CallbackEditor data={data} update={update} />
      <RetryEditor value={data.retry} finalErrors={ctx.finalErrors("http")} onChange={(retry) => update((f) => ({ ...f, retry }), "retry")} />
      <FailurePolicyField data={data} update={update} />
      <CompensationEditor data={data} update={update} ctx={ctx} />
    </>
  );
}
