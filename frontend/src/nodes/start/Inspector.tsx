export function StartInspector() {
  return <p className="fd-muted">Every run begins here with its input. Connect it to the first step.</p>;
}
