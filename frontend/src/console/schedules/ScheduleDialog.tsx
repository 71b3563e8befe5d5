/** Create or edit a schedule (designers): what it starts, when, and what happens when fires overlap or are late. */
import { useEffect, useId, useState, type FormEvent } from "react";
import { createSchedule, updateSchedule, type Schedule } from "../../api/schedules";
import { errorLines } from "../common/ConfirmDialog";
import { draftOf, emptyDraft, fieldsOf, OVERLAP, type ScheduleDraft } from "./schedules";

export interface ScheduleDialogProps {
  schedule: Schedule | null;   // null: a new schedule
  onClose(): void;
  onSaved(schedule: Schedule, text: string): void;
}

export function ScheduleDialog({ schedule, onClose, onSaved }: ScheduleDialogProps) {
  const [draft, setDraft] = useState<ScheduleDraft>(() => (schedule ? draftOf(schedule) : emptyDraft()));
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const set = (patch: Partial<ScheduleDraft>) => setDraft((d) => ({ ...d, ...patch }));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && !busy && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [busy, onClose]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const { fields, problems } = fieldsOf(draft, !schedule);
    if (!fields) {
      setErrors(problems);
      return;
    }
    setBusy(true);
    setErrors([]);
    try {
      const saved = schedule
        ? await updateSchedule(schedule.slug, fields)
        : await createSchedule({ ...fields, slug: draft.slug });
      onSaved(saved, schedule ? `Saved the schedule "${saved.name}".` : `Created the schedule "${saved.name}".`);
      onClose();
    } catch (err) {
      setErrors(errorLines(err));
      setBusy(false);
    }
  };

  const hint = OVERLAP.find((o) => o.value === draft.overlap_policy)?.hint;
  return (
    <div className="fc-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <form className="fc-dialog fc-schedule-form" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="schedule-dialog" onSubmit={(e) => void submit(e)}>
        <h2 id={titleId}>{schedule ? `Edit ${schedule.name}` : "New schedule"}</h2>
        {!schedule && (
          <label className="fd-field">
            <span className="fd-field__label">Slug</span>
            <input aria-label="Slug" value={draft.slug} maxLength={100} placeholder="nightly-report" autoFocus
              onChange={(e) => set({ slug: e.target.value })} />
            <span className="fd-field__hint">Its name in URLs and in its runs' business keys; it never changes.</span>
          </label>
        )}
        <label className="fd-field">
          <span className="fd-field__label">Name</span>
          <input aria-label="Name" value={draft.name} maxLength={200} placeholder={draft.slug || "Nightly report"} onChange={(e) => set({ name: e.target.value })} />
        </label>
        <label className="fd-field">
          <span className="fd-field__label">Definition</span>
          <input aria-label="Definition" value={draft.definition_key} maxLength={100} placeholder="order-report"
            onChange={(e) => set({ definition_key: e.target.value })} />
          <span className="fd-field__hint">Each fire starts its latest published version (a code workflow: its newest).</span>
        </label>
        <fieldset className="fc-schedule-form__timing">
          <legend className="fd-field__label">When</legend>
          <label className="fd-check">
            <input type="radio" name="timing" checked={draft.timing === "cron"} onChange={() => set({ timing: "cron" })} /> Cron expression
          </label>
          <label className="fd-check">
            <input type="radio" name="timing" checked={draft.timing === "interval"} onChange={() => set({ timing: "interval" })} /> Every N seconds
          </label>
          {draft.timing === "cron" ? (
            <div className="fd-row">
              <label className="fd-field">
                <span className="fd-field__label">Cron</span>
                <input aria-label="Cron" className="fd-mono" value={draft.cron} maxLength={200} onChange={(e) => set({ cron: e.target.value })} />
                <span className="fd-field__hint">minute hour day-of-month month day-of-week</span>
              </label>
              <label className="fd-field">
                <span className="fd-field__label">Time zone</span>
                <input aria-label="Time zone" value={draft.timezone} maxLength={64} placeholder="Europe/Berlin" onChange={(e) => set({ timezone: e.target.value })} />
                <span className="fd-field__hint">IANA name; across a DST change it fires once.</span>
              </label>
            </div>
          ) : (
            <label className="fd-field">
              <span className="fd-field__label">Interval (seconds)</span>
              <input aria-label="Interval (seconds)" inputMode="numeric" value={draft.interval} onChange={(e) => set({ interval: e.target.value })} />
              <span className="fd-field__hint">Counted from the Unix epoch: 3600 fires on the hour (UTC).</span>
            </label>
          )}
        </fieldset>
        <div className="fd-row">
          <label className="fd-field">
            <span className="fd-field__label">When fires overlap</span>
            <select aria-label="When fires overlap" value={draft.overlap_policy} onChange={(e) => set({ overlap_policy: e.target.value as ScheduleDraft["overlap_policy"] })}>
              {OVERLAP.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
            </select>
          </label>
          <label className="fd-field">
            <span className="fd-field__label">Catch-up window (seconds)</span>
            <input aria-label="Catch-up window (seconds)" inputMode="numeric" value={draft.catchup} onChange={(e) => set({ catchup: e.target.value })} />
          </label>
        </div>
        <p className="fd-field__hint">{hint} After downtime, fire times at most the catch-up window late still fire; older ones are recorded as missed.</p>
        <label className="fd-field">
          <span className="fd-field__label">Input (JSON object)</span>
          <textarea aria-label="Input" className="fd-mono" rows={4} value={draft.input} onChange={(e) => set({ input: e.target.value })} />
        </label>
        <label className="fd-field">
          <span className="fd-field__label">Description</span>
          <textarea aria-label="Description" rows={2} maxLength={2000} value={draft.description} onChange={(e) => set({ description: e.target.value })} />
        </label>
        {errors.length > 0 && (
          <div className="fd-alert fd-alert--error" role="alert" data-testid="schedule-error">
            {errors.map((line, i) => <div key={i}>{line}</div>)}
          </div>
        )}
        <div className="fc-dialog__buttons">
          <button type="button" onClick={onClose} disabled={busy}>Cancel</button>
          <button type="submit" className="fd-primary" disabled={busy} data-testid="schedule-save">
            {busy ? "Saving…" : schedule ? "Save" : "Create"}
          </button>
        </div>
      </form>
    </div>
  );
}
