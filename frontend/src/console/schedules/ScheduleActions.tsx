/**
 * A schedule's buttons: pause or resume, trigger now (operators), and on its own page edit and
 * delete (designers). Each is disabled, saying why, when the server's rule refuses it; pause and
 * delete ask first, with an optional reason for the audit log.
 */
import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { useNavigate } from "react-router";
import { deleteSchedule, pauseSchedule, resumeSchedule, triggerSchedule, type Schedule, type ScheduleAction } from "../../api/schedules";
import { errorLines } from "../common/ConfirmDialog";
import { newRequestId, outcomeText, refusedText } from "./schedules";

interface Props {
  schedule: Schedule;
  /** The action went through: a sentence to show, and the page reloads. */
  onDone(text: string): void;
  onError(lines: string[]): void;
  /** On the schedule's own page: also Edit… and Delete…. */
  onEdit?(): void;
}

export function ScheduleActions({ schedule, onDone, onError, onEdit }: Props) {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<"pause" | "delete" | null>(null);
  const navigate = useNavigate();

  const act = async (call: () => Promise<string>) => {
    setBusy(true);
    try {
      onDone(await call());
    } catch (e) {
      onError(errorLines(e));
    } finally {
      setBusy(false);
    }
  };
  const trigger = () => act(async () => {
    const { fire } = await triggerSchedule(schedule.slug, newRequestId());
    return `Triggered ${schedule.name}: ${outcomeText(fire.outcome)}${fire.reason ? ` (${fire.reason})` : ""}.`;
  });
  const resume = () => act(async () => {
    await resumeSchedule(schedule.slug);
    return `Resumed ${schedule.name}.`;
  });
  const button = (action: ScheduleAction, label: string, onClick: () => void, danger = false) => {
    const why = refusedText(schedule, action);
    return (
      <button type="button" className={danger ? "fc-danger-button" : undefined} data-testid={`schedule-${action}`}
        disabled={busy || !!why} title={why || undefined} onClick={onClick}>
        {label}
      </button>
    );
  };

  return (
    <span className="fd-row fc-schedule-actions">
      {schedule.paused ? button("resume", "Resume", () => void resume()) : button("pause", "Pause…", () => setAsking("pause"))}
      {button("trigger", "Trigger now", () => void trigger())}
      {onEdit && button("update", "Edit…", onEdit)}
      {onEdit && button("delete", "Delete…", () => setAsking("delete"), true)}
      {asking === "pause" && (
        <ReasonDialog title={`Pause ${schedule.name}`} confirmLabel="Pause" onClose={() => setAsking(null)}
          effect={<p>No fires until it is resumed; the fire times meanwhile are not caught up. Trigger now still works.</p>}
          onConfirm={async (reason) => {
            await pauseSchedule(schedule.slug, reason);
            onDone(`Paused ${schedule.name}.`);
          }} />
      )}
      {asking === "delete" && (
        <ReasonDialog title={`Delete ${schedule.name}`} confirmLabel="Delete" danger onClose={() => setAsking(null)}
          effect={<p>The schedule and its fire records are deleted. The runs it started stay.</p>}
          onConfirm={async (reason) => {
            await deleteSchedule(schedule.slug, reason);
            navigate("/console/schedules", { state: { notice: `Deleted ${schedule.name}.` } });
          }} />
      )}
    </span>
  );
}

function ReasonDialog(props: { title: string; effect: ReactNode; confirmLabel: string; danger?: boolean;
                               onConfirm(reason: string): Promise<void>; onClose(): void }) {
  const { title, effect, confirmLabel, danger, onConfirm, onClose } = props;
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const titleId = useId();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && !busy && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [busy, onClose]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors([]);
    try {
      await onConfirm(reason.trim());
      onClose();
    } catch (err) {
      setErrors(errorLines(err));
      setBusy(false);
    }
  };

  return (
    <div className="fc-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <form className="fc-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="schedule-confirm" onSubmit={(e) => void submit(e)}>
        <h2 id={titleId}>{title}</h2>
        <div className="fc-dialog__effect">{effect}</div>
        <label className="fd-field">
          <span className="fd-field__label">Reason (optional, recorded in the audit log)</span>
          <textarea aria-label="Reason" rows={2} maxLength={2000} value={reason} autoFocus onChange={(e) => setReason(e.target.value)} />
        </label>
        {errors.length > 0 && <div className="fd-alert fd-alert--error" role="alert">{errors.map((l, i) => <div key={i}>{l}</div>)}</div>}
        <div className="fc-dialog__buttons">
          <button type="button" onClick={onClose} disabled={busy}>Cancel</button>
          <button type="submit" className={danger ? "fc-danger-button" : "fd-primary"} disabled={busy} data-testid="schedule-confirm-button">
            {busy ? "Working…" : confirmLabel}
          </button>
        </div>
      </form>
    </div>
  );
}
