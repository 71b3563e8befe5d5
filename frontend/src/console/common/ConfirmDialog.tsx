/**
 * Every operator action goes through this: it names the effect, asks for a
 * reason (recorded in the run's timeline), and shows the server's refusal
 * (409: not applicable now; 400: what is wrong with the input) in place.
 */
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../../api/client";

export interface ConfirmDialogProps {
  title: string;
  /** What pressing the button will do, in plain words. */
  effect: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  /** Extra fields (output, data, signal...). */
  children?: ReactNode;
  /** A problem with the extra fields found before asking the server, or null. */
  check?(): string | null;
  onConfirm(reason: string): Promise<void>;
  onClose(): void;
  testId?: string;
  busyLabel?: string;
  /** Disable the confirm button (e.g. while a count is being fetched). */
  blocked?: boolean;
}

export function errorLines(e: unknown): string[] {
  if (e instanceof ApiError) {
    const listed = Array.isArray(e.body.errors) ? (e.body.errors as { message?: string; path?: string; field?: string }[]) : [];
    const extra = listed
      .filter((x) => x.message && !e.message.includes(x.message))
      .map((x) => [x.field || x.path, x.message].filter(Boolean).join(": "));
    const head = e.status === 409 ? `Not done: ${e.message}` : e.message;
    return [head, ...extra];
  }
  return [e instanceof Error ? e.message : String(e)];
}

export function ConfirmDialog(props: ConfirmDialogProps) {
  const { title, effect, confirmLabel, danger, children, check, onConfirm, onClose, testId, busyLabel, blocked } = props;
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const titleId = useId();
  const reasonRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    reasonRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || blocked) return;
    if (!reason.trim()) {
      setErrors(["A reason is required: it is recorded in the run's history."]);
      return;
    }
    const problem = check?.() ?? null;
    if (problem) {
      setErrors([problem]);
      return;
    }
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
      <form className="fc-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid={testId ?? "confirm-dialog"} onSubmit={submit}>
        <h2 id={titleId}>{title}</h2>
        <div className="fc-dialog__effect" data-testid="confirm-effect">{effect}</div>
        {children}
        <label className="fd-field">
          <span className="fd-field__label">Reason (required, recorded in the run's history)</span>
          <textarea
            ref={reasonRef}
            aria-label="Reason"
            rows={2}
            value={reason}
            maxLength={2000}
            onChange={(e) => setReason(e.target.value)}
            placeholder="e.g. card limit raised by the customer"
          />
        </label>
        {errors.length > 0 && (
          <div className="fd-alert fd-alert--error" role="alert" data-testid="confirm-error">
            {errors.map((line, i) => (
              <div key={i}>{line}</div>
            ))}
          </div>
        )}
        {/* The dismiss button comes first and the reason field has the focus: a destructive confirm is never the default. */}
        <div className="fc-dialog__buttons">
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className={danger ? "fc-danger-button" : "fd-primary"} disabled={busy || blocked || !reason.trim()}>
            {busy ? busyLabel ?? "Working…" : confirmLabel}
          </button>
        </div>
      </form>
    </div>
  );
}
