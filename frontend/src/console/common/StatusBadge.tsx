/** A run or step status as a coloured chip (text only). */
export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  return (
    <span className={`fc-status fc-status--${status}`} data-testid={testId} data-status={status}>
      {status.replace(/_/g, " ")}
    </span>
  );
}
