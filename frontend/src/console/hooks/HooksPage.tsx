/**
 * /console/hooks — webhook starts (admins): each definition's signed entry point, its secret shown
 * once when made or rotated, its latest deliveries (docs/operating-webhooks.md).
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router";
import { listDefinitions, type Definition } from "../../api/definitions";
import {
  businessKeyText, createHook, deleteHook, listDeliveries, listHooks, rotateHookSecret, updateHook,
  type Delivery, type Hook, type HookWithSecret,
} from "../../api/hooks";
import { ConfirmDialog, errorLines } from "../common/ConfirmDialog";
import { Ago } from "../common/Time";
import { shortId } from "../format";
import { useCan, useMe } from "../me";

type Acting = { hook: Hook; action: "toggle" | "rotate" | "delete" };
const KEEP_CHOICES = [{ seconds: 0, label: "refuse it at once" }, { seconds: 3600, label: "accept it for 1 hour" },
  { seconds: 86400, label: "accept it for 24 hours" }];

export default function HooksPage() {
  const me = useMe();
  const isAdmin = useCan("administer");
  const [hooks, setHooks] = useState<Hook[] | null>(null);
  const [definitions, setDefinitions] = useState<Definition[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<HookWithSecret | null>(null);
  const [acting, setActing] = useState<Acting | null>(null);
  const [keep, setKeep] = useState(0);
  const [open, setOpen] = useState<{ key: string; rows: Delivery[] } | null>(null);

  const load = useCallback(async () => {
    try {
      const [h, d] = await Promise.all([listHooks(), listDefinitions()]);
      setHooks(h);
      setDefinitions(d);
      setError(null);
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
  }, []);
  useEffect(() => {
    if (isAdmin) void load();
  }, [isAdmin, load]);

  if (me && !isAdmin) {
    return <main className="fc-page"><h1>Webhooks</h1><p className="fd-muted" data-testid="hooks-admin-only">Only an admin manages webhooks.</p></main>;
  }
  const free = definitions.filter((d) => !hooks?.some((h) => h.key === d.key));
  const showDeliveries = async (key: string) => {
    if (open?.key === key) return setOpen(null);
    try {
      setOpen({ key, rows: await listDeliveries(key) });
    } catch (e) {
      setError(errorLines(e).join(" "));
    }
  };
  const confirm = async (reason: string) => {
    if (!acting) return;
    const { hook, action } = acting;
    if (action === "toggle") await updateHook(hook.key, { enabled: !hook.enabled, reason });
    if (action === "rotate") setShown(await rotateHookSecret(hook.key, keep, reason));
    if (action === "delete") await deleteHook(hook.key, reason);
    await load();
  };

  return (
    <main className="fc-page">
      <header className="fc-page__header">
        <h1>Webhooks</h1>
        <span className="fd-muted">Other systems start runs by POSTing signed JSON to a definition's hook.</span>
      </header>
      {error && <p className="fd-alert fd-alert--error" role="alert">{error}</p>}
      {shown && <SecretPanel hook={shown} onDone={() => setShown(null)} />}
      <table className="fc-table" data-testid="hooks">
        <thead>
          <tr><th>Definition</th><th>URL</th><th>Business key</th><th>Rate</th><th>Secret</th><th>Last delivery</th><th /></tr>
        </thead>
        <tbody>
          {hooks === null && <tr><td colSpan={7} className="fd-muted">Loading…</td></tr>}
          {hooks?.length === 0 && <tr><td colSpan={7} className="fd-muted">No webhooks yet.</td></tr>}
          {hooks?.map((h) => (
            <tr key={h.key} data-testid="hook" data-key={h.key}>
              <td>{h.definition_name} <code>{h.key}</code>{!h.enabled && <strong> (disabled)</strong>}</td>
              <td><code>{h.url}</code></td>
              <td title={h.business_key_from}>{businessKeyText(h.business_key_from)}</td>
              <td className="fc-num">{h.rate_per_minute}/min</td>
              <td><code>{h.secret_hint}</code>{h.previous_secret_valid_until && <div className="fd-muted">old one valid <Ago iso={h.previous_secret_valid_until} /></div>}</td>
              <td>{h.last_delivery_at ? <><Ago iso={h.last_delivery_at} /> {h.last_outcome}</> : "—"}</td>
              <td className="fc-row">
                <button type="button" onClick={() => void showDeliveries(h.key)}>Deliveries</button>
                <button type="button" onClick={() => setActing({ hook: h, action: "toggle" })}>{h.enabled ? "Disable" : "Enable"}</button>
                <button type="button" onClick={() => { setKeep(0); setActing({ hook: h, action: "rotate" }); }}>Rotate secret</button>
                <button type="button" className="fc-danger-button" onClick={() => setActing({ hook: h, action: "delete" })}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && <Deliveries hookKey={open.key} rows={open.rows} />}
      <CreateForm definitions={free} onCreated={async (made) => { setShown(made); await load(); }} />
      {acting && (
        <ConfirmDialog
          title={{ toggle: acting.hook.enabled ? "Disable the webhook" : "Enable the webhook", rotate: "Rotate the secret", delete: "Delete the webhook" }[acting.action]}
          effect={{
            toggle: acting.hook.enabled ? `Requests to ${acting.hook.url} will be refused (404) until it is enabled again.` : `Signed requests to ${acting.hook.url} will start runs again.`,
            rotate: "A new secret is made and shown once. The old one:",
            delete: `The hook and its delivery records are removed; the runs it started stay.`,
          }[acting.action]}
          confirmLabel={{ toggle: acting.hook.enabled ? "Disable" : "Enable", rotate: "Rotate", delete: "Delete" }[acting.action]}
          danger={acting.action === "delete"}
          onConfirm={confirm}
          onClose={() => setActing(null)}
          testId="hook-dialog"
        >
          {acting.action === "rotate" && (
            <select aria-label="The old secret" value={keep} onChange={(e) => setKeep(Number(e.target.value))}>
              {KEEP_CHOICES.map((c) => <option key={c.seconds} value={c.seconds}>{c.label}</option>)}
            </select>
          )}
        </ConfirmDialog>
      )}
    </main>
  );
}

function SecretPanel({ hook, onDone }: { hook: HookWithSecret; onDone(): void }) {
  return (
    <section className="fd-alert fd-alert--info" role="status" data-testid="hook-secret">
      <p>The secret for <code>{hook.key}</code>. Store it now: it is not shown again.</p>
      <p><code data-testid="hook-secret-value">{hook.secret}</code></p>
      <p className="fc-row">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(hook.secret)}>Copy</button>
        <button type="button" className="fd-primary" onClick={onDone}>I have stored it</button>
      </p>
    </section>
  );
}

function Deliveries({ hookKey, rows }: { hookKey: string; rows: Delivery[] }) {
  return (
    <section data-testid="hook-deliveries">
      <h2>Latest deliveries to <code>{hookKey}</code></h2>
      {rows.length === 0 ? <p className="fd-muted">None yet.</p> : (
        <table className="fc-table">
          <thead><tr><th>Received</th><th>Outcome</th><th>Business key</th><th>Run</th><th>Why</th></tr></thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td><Ago iso={d.received_at} /></td>
                <td>{d.outcome}</td>
                <td>{d.business_key ?? "—"}</td>
                <td>{d.run_id ? <Link to={`/console/runs/${d.run_id}`}>{shortId(d.run_id)}</Link> : "—"}</td>
                <td>{d.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CreateForm({ definitions, onCreated }: { definitions: Definition[]; onCreated(h: HookWithSecret): Promise<void> }) {
  const [definition, setDefinition] = useState("");
  const [source, setSource] = useState("");
  const [rate, setRate] = useState(60);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await onCreated(await createHook(definition, { business_key_from: source, rate_per_minute: rate }));
      setDefinition("");
      setSource("");
      setErrors([]);
    } catch (err) {
      setErrors(errorLines(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} data-testid="hook-create">
      <h2>New webhook</h2>
      <div className="fc-row">
        <label className="fd-field"><span className="fd-field__label">Definition</span>
          <select value={definition} onChange={(e) => setDefinition(e.target.value)} required>
            <option value="">Choose…</option>
            {definitions.map((d) => <option key={d.key} value={d.key}>{d.name} ({d.key})</option>)}
          </select>
        </label>
        <label className="fd-field"><span className="fd-field__label">Business key from</span>
          <input value={source} onChange={(e) => setSource(e.target.value)} maxLength={300} placeholder="body:order_id or header:Idempotency-Key" />
        </label>
        <label className="fd-field"><span className="fd-field__label">Requests a minute</span>
          <input type="number" min={1} max={100000} value={rate} onChange={(e) => setRate(Number(e.target.value))} />
        </label>
        <button type="submit" className="fd-primary" disabled={busy || !definition}>Create</button>
      </div>
      {errors.length > 0 && <div className="fd-alert fd-alert--error" role="alert">{errors.map((l, i) => <div key={i}>{l}</div>)}</div>}
    </form>
  );
}
