/** A run or step status as a coloured chip (text only), with what it means in its title. */

/** What a status means to an operator, where the word alone is ambiguous. */
export const STATUS_MEANING: Record<string, string> = {
  failed: "failed, awaiting an operator",
  aborted: "failed, nothing undone",
  compensated: "failed or stopped; what succeeded was undone",
  compensation_failed: "undoing failed, awaiting an operator",
  cancelled: "stopped by an operator, nothing undone",
};

/** "aborted: failed, nothing undone"; "running". */
export function statusText(status: string): string {
  const word = status.replace(/_/g, " ");
  return STATUS_MEANING[status] ? `${word}: ${STATUS_MEANING[status]}` : word;
}

/** `run`: a run's status (its meaning in the title); a step's statuses read as they are. */
export function StatusBadge({ status, testId, run }: { status: string; testId?: string; run?: boolean }) {
  return (
    <span className={`fc-status fc-status--${status}`} data-testid={testId} data-status={status} title={run ? statusText(status) : undefined}>
      {status.replace(/_/g, " ")}
    </span>
  );
}
