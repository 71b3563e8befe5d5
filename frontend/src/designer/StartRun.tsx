/**
 * "Start run…": a real run of a published version, started from the designer (the editor's header,
 * the definitions list). The dialog asks for the version (the latest published one by default;
 * drafts are never offered), the input as a JSON object, an optional business key and an optional
 * reason. A business key already used finds its run instead of starting another (the server's
 * idempotency, said before asking it). Starting needs the "operate" capability (api/me): without
 * it the action is disabled and says why. Every value is rendered as text, never as HTML.
 */
import { useEffect, useId, useRef, useState } from "react";
import { createPortal } from "react-dom";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import type { Me } from "../api/console";
import { runnableVersions, type VersionSummary } from "../api/definitions";
import { findRunByBusinessKey, startRun, type RunSummary } from "../api/runs";
import { trapTab } from "../common/focus";
import { parseJsonObject } from "../common/json";
import { when } from "../console/format";
import { useMe, useMeStore } from "../console/me";
import { Field } from "../nodes/_base/fields";

export const runUrl = (id: string) => `/console/runs/${encodeURIComponent(id)}`;

/** Why starting a run is not offered ("" when it is): no published version, or the user's role. */
export function startBlocked(me: Me | null, meError: string | null, hasVersion: boolean): string {
  if (!hasVersion) return "Publish a version first: a real run runs a published version, never a draft.";
  if (meError) return ""; // the role is unknown: the server decides (and says so)
  if (!me) return "Checking your role…";
  if (me.capabilities.includes("operate")) return "";
  const roles = me.roles.length ? me.roles.join(", ") : "no role";
  return `Your role (${roles}) cannot start runs; ask an operator or an admin.`;
}

interface Props {
  definitionKey: string;
  definitionName: string;
  /** The definition's versions (null while they load). */
  versions: VersionSummary[] | null;
}

export function StartRunButton({ definitionKey, definitionName, versions }: Props) {
  const me = useMe();
  const meError = useMeStore((s) => s.error);
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const reasonId = useId();
  const { choices, latest } = runnableVersions(versions ?? []);
  const blocked = versions === null ? "Loading the versions…" : startBlocked(me, meError, choices.length > 0);
  return (
    <>
      <button
        ref={button}
        type="button"
        disabled={!!blocked}
        title={blocked || `Start a real run of a published version of ${definitionName}`}
        aria-describedby={blocked ? reasonId : undefined}
        onClick={() => setOpen(true)}
        data-testid={`start-run-${definitionKey}`}
      >
        Start run…
      </button>
      {blocked && <span id={reasonId} className="fd-sr-only" data-testid={`start-run-blocked-${definitionKey}`}>{blocked}</span>}
      {open && (
        <StartRunDialog
          definitionKey={definitionKey}
          definitionName={definitionName}
          choices={choices}
          initial={(latest ?? choices[0]).number}
          onClose={() => {
            setOpen(false);
            button.current?.focus();
          }}
        />
      )}
    </>
  );
}

type Outcome = { kind: "started"; run: RunSummary } | { kind: "existing"; run: RunSummary };

/** A refusal: the server's detail, its field errors by field, and any other messages. */
interface Failure {
  detail: string;
  fields: Partial<Record<FieldName, string[]>>;
  other: string[];
}

type FieldName = "version" | "input" | "business_key" | "reason";
const FIELDS: ReadonlySet<string> = new Set<FieldName>(["version", "input", "business_key", "reason"]);

/** An error body's `code`, `detail` and `errors[]` (each `{code, message, field?}`) as the dialog shows them. */
export function failureOf(e: unknown): Failure {
  if (!(e instanceof ApiError)) return { detail: e instanceof Error ? e.message : String(e), fields: {}, other: [] };
  const failure: Failure = { detail: e.message, fields: {}, other: [] };
  for (const item of Array.isArray(e.body.errors) ? e.body.errors : []) {
    if (!item || typeof item !== "object") continue;
    const { message, field } = item as { message?: unknown; field?: unknown };
    const text = typeof message === "string" ? message : "";
    const name = typeof field === "string" ? field.split(".")[0] : "";
    if (text && FIELDS.has(name)) (failure.fields[name as FieldName] ??= []).push(text);
    else if (text && text !== e.message) failure.other.push(text);
  }
  return failure;
}

interface DialogProps {
  definitionKey: string;
  definitionName: string;
  choices: VersionSummary[];
  initial: number;
  onClose(): void;
}

function StartRunDialog({ definitionKey, definitionName, choices, initial, onClose }: DialogProps) {
  const [version, setVersion] = useState(initial);
  const [input, setInput] = useState("{}");
  const [businessKey, setBusinessKey] = useState("");
  const [reason, setReason] = useState("");
  const [inputError, setInputError] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const first = useRef<HTMLSelectElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const link = useRef<HTMLAnchorElement>(null);
  const titleId = useId();
  useEffect(() => first.current?.focus(), []);
  useEffect(() => {
    if (outcome) link.current?.focus();
  }, [outcome]);
  const fieldError = (name: FieldName) => failure?.fields[name]?.join(" ") || null;

  const submit = async () => {
    const parsed = parseJsonObject(input);
    setOutcome(null);
    setFailure(null);
    if (!parsed.ok) {
      setInputError(parsed.error);
      textarea.current?.focus();
      return;
    }
    setInputError(null);
    setBusy(true);
    const key = businessKey.trim();
    try {
      const existing = key ? await findRunByBusinessKey(definitionKey, key) : null;
      if (existing) {
        setOutcome({ kind: "existing", run: existing });
      } else {
        const run = await startRun({
          definition: definitionKey,
          version,
          input: parsed.value,
          ...(key ? { business_key: key } : {}),
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        });
        setOutcome({ kind: "started", run });
      }
    } catch (e) {
      setFailure(failureOf(e));
    } finally {
      setBusy(false);
    }
  };

  return createPortal(
    <div className="fd-modal">
      <div
        ref={box}
        className="fd-modal__box"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="start-run-dialog"
        onKeyDown={(e) => {
          // The editor's shortcuts (Delete, Ctrl+Z…) are not for what is typed here.
          e.stopPropagation();
          if (e.key === "Escape") onClose();
          else if (box.current) trapTab(e, box.current);
        }}
      >
        <header className="fd-modal__head">
          <h2 id={titleId}>Start a run of {definitionName}</h2>
          <button type="button" className="fd-icon-button" aria-label="Close the dialog" onClick={onClose}>×</button>
        </header>
        <p className="fd-muted">A real run (not a test run): its activities do their work for real. It stays on the version it starts on.</p>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <Field label="Version" error={fieldError("version")}>
            <select ref={first} aria-label="Version" value={version} onChange={(e) => setVersion(Number(e.target.value))}>
              {choices.map((v) => (
                <option key={v.number} value={v.number}>
                  v{v.number} ({v.status}{v.code_version ? `, code ${v.code_version}` : ""})
                </option>
              ))}
            </select>
          </Field>
          <Field label="Input (a JSON object)" error={inputError ?? fieldError("input")}>
            <textarea
              ref={textarea}
              aria-label="Input (JSON)"
              aria-invalid={!!(inputError ?? fieldError("input"))}
              rows={8}
              spellCheck={false}
              value={input}
              onChange={(e) => setInput(e.target.value)}
            />
          </Field>
          <Field
            label="Business key (optional)"
            hint="Starting again with a key already used does not start another run: it finds the run that key started."
            error={fieldError("business_key")}
          >
            <input type="text" aria-label="Business key" maxLength={200} value={businessKey} onChange={(e) => setBusinessKey(e.target.value)} />
          </Field>
          <Field label="Reason (optional)" hint="Recorded in the run's history." error={fieldError("reason")}>
            <input type="text" aria-label="Reason" maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
          {failure && (
            <div className="fd-alert fd-alert--error" role="alert" data-testid="start-run-error">
              <strong>Could not start the run:</strong> {failure.detail}
              {failure.other.length > 0 && (
                <ul>
                  {failure.other.map((m, i) => <li key={i}>{m}</li>)}
                </ul>
              )}
            </div>
          )}
          {outcome && (
            <div className={`fd-alert ${outcome.kind === "started" ? "fd-alert--info" : "fd-alert--publish"}`} role="status" data-testid="start-run-outcome">
              {outcome.kind === "started" ? (
                <>Started run <code>{outcome.run.id}</code> on v{outcome.run.version}: {outcome.run.status}.</>
              ) : (
                <>
                  A run with the business key “{outcome.run.business_key}” already exists (v{outcome.run.version}, {outcome.run.status},
                  started {when(outcome.run.created_at)}): no new run was started.
                </>
              )}{" "}
              <Link ref={link} to={runUrl(outcome.run.id)} data-testid="start-run-link">Open run in the console</Link>
            </div>
          )}
          <div className="fd-row fd-modal__buttons">
            <button type="submit" className="fd-primary" disabled={busy}>{busy ? "Starting…" : "Start run"}</button>
            <button type="button" onClick={onClose}>Close</button>
          </div>
        </form>
      </div>
    </div>,
    document.body,
  );
}
