/** Create or edit an alert rule (admins): the kind's params, its channels, how often it repeats. */
import { useEffect, useId, useState, type FormEvent } from "react";
import { createRule, deleteRule, updateRule, type AlertRule, type ChannelType, type RuleKind } from "../../api/alerts";
import { errorLines } from "../common/ConfirmDialog";
import { draftOf, emptyDraft, fieldsOf, INCIDENT_KINDS, KINDS, PARAM_FIELDS, type RuleDraft } from "./alerts";

const CHANNEL_TYPES: { value: ChannelType; label: string; placeholder: string }[] = [
  { value: "webhook", label: "Webhook (JSON)", placeholder: "https://ops.example.com/hooks/flowdeck" },
  { value: "slack", label: "Slack webhook", placeholder: "https://hooks.slack.com/services/…" },
  { value: "email", label: "Email", placeholder: "ops@example.com, oncall@example.com" },
];

export interface RuleDialogProps {
  rule: AlertRule | null;   // null: a new rule
  onClose(): void;
  onSaved(text: string): void;
}

export function RuleDialog({ rule, onClose, onSaved }: RuleDialogProps) {
  const [draft, setDraft] = useState<RuleDraft>(() => (rule ? draftOf(rule) : emptyDraft()));
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const titleId = useId();
  const set = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && !busy && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [busy, onClose]);

  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setErrors([]);
    try {
      onSaved(await what());
      onClose();
    } catch (err) {
      setErrors(errorLines(err));
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const { fields, problems } = fieldsOf(draft);
    if (!fields) {
      setErrors(problems);
      return;
    }
    void run(async () => {
      if (rule) {
        await updateRule(rule.id, fields);
        return `Saved the rule "${fields.name}".`;
      }
      await createRule(fields);
      return `Created the rule "${fields.name}".`;
    });
  };

  const setChannel = (i: number, patch: Partial<RuleDraft["channels"][number]>) =>
    set({ channels: draft.channels.map((c, j) => (j === i ? { ...c, ...patch } : c)) });

  return (
    <div className="fc-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <form className="fc-dialog fc-alert-rule" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="rule-dialog" onSubmit={submit}>
        <h2 id={titleId}>{rule ? `Edit ${rule.name}` : "New alert rule"}</h2>
        <label className="fd-field">
          <span className="fd-field__label">Name</span>
          <input value={draft.name} maxLength={200} onChange={(e) => set({ name: e.target.value })} autoFocus />
        </label>
        <label className="fd-field">
          <span className="fd-field__label">Alert when</span>
          <select aria-label="Alert when" value={draft.kind} onChange={(e) => set({ kind: e.target.value as RuleKind, params: {} })}>
            {KINDS.map((k) => <option key={k.value} value={k.value}>{k.label}</option>)}
          </select>
          <span className="fd-field__hint">{KINDS.find((k) => k.value === draft.kind)?.hint}</span>
        </label>
        <label className="fd-field">
          <span className="fd-field__label">Definition (empty: every definition)</span>
          <input value={draft.definition_key} maxLength={100} placeholder="order-saga" onChange={(e) => set({ definition_key: e.target.value })} />
        </label>
        {PARAM_FIELDS[draft.kind].map((field) => (
          <label key={field.name} className="fd-field">
            <span className="fd-field__label">{field.label}</span>
            <input inputMode="decimal" value={draft.params[field.name] ?? ""} placeholder={field.placeholder}
              onChange={(e) => set({ params: { ...draft.params, [field.name]: e.target.value } })} />
          </label>
        ))}
        {draft.kind === "incident_group" && (
          <fieldset className="fc-filter--checks">
            <legend className="fd-field__label">Incident kinds</legend>
            {INCIDENT_KINDS.map((k) => (
              <label key={k.value} className="fd-check">
                <input type="checkbox" checked={draft.incidentKinds.includes(k.value)} onChange={(e) =>
                  set({ incidentKinds: e.target.checked ? [...draft.incidentKinds, k.value] : draft.incidentKinds.filter((v) => v !== k.value) })} />
                {k.label}
              </label>
            ))}
          </fieldset>
        )}
        <fieldset className="fc-alert-rule__channels">
          <legend className="fd-field__label">Send to</legend>
          {draft.channels.map((c, i) => (
            <div key={i} className="fc-alert-rule__channel" data-testid="rule-channel">
              <select aria-label={`Channel ${i + 1} type`} value={c.type} onChange={(e) => setChannel(i, { type: e.target.value as ChannelType })}>
                {CHANNEL_TYPES.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
              </select>
              <input aria-label={`Channel ${i + 1} ${c.type === "email" ? "addresses" : "URL"}`} value={c.target}
                placeholder={CHANNEL_TYPES.find((t) => t.value === c.type)?.placeholder} onChange={(e) => setChannel(i, { target: e.target.value })} />
              <button type="button" aria-label={`Remove channel ${i + 1}`} onClick={() => set({ channels: draft.channels.filter((_, j) => j !== i) })}>✕</button>
            </div>
          ))}
          <button type="button" onClick={() => set({ channels: [...draft.channels, { type: "webhook", target: "" }] })}>Add a channel</button>
        </fieldset>
        <label className="fd-field">
          <span className="fd-field__label">Repeat a still firing alert every (seconds; 0: never)</span>
          <input inputMode="numeric" value={draft.repeat} onChange={(e) => set({ repeat: e.target.value })} />
        </label>
        <label className="fd-check">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled
        </label>
        {errors.length > 0 && (
          <div className="fd-alert fd-alert--error" role="alert" data-testid="rule-error">
            {errors.map((line, i) => <div key={i}>{line}</div>)}
          </div>
        )}
        <div className="fc-dialog__buttons">
          {rule && (deleting ? (
            <button type="button" className="fc-danger-button" disabled={busy} data-testid="rule-delete-confirm"
              onClick={() => void run(async () => { await deleteRule(rule.id); return `Deleted the rule "${rule.name}".`; })}>
              Delete it: its log stays
            </button>
          ) : (
            <button type="button" className="fc-danger-outline" disabled={busy} onClick={() => setDeleting(true)}>Delete…</button>
          ))}
          <span className="fc-spacer" />
          <button type="button" onClick={onClose} disabled={busy}>Cancel</button>
          <button type="submit" className="fd-primary" disabled={busy} data-testid="rule-save">{busy ? "Saving…" : rule ? "Save" : "Create"}</button>
        </div>
      </form>
    </div>
  );
}
