export function ParallelInspector() {
  return (
    <p className="fd-muted">
      Every outgoing edge starts a branch at the same time (at least two). Close the branches with one Join node that names
      this parallel.
    </p>
  );
}
