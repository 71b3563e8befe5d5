/** /console/... is the operator console's; it is not built yet. */
import { Link } from "react-router";

export default function ConsolePlaceholder() {
  return (
    <main className="fd-page">
      <h1>Operator console</h1>
      <p className="fd-alert fd-alert--info" role="status">
        The operator console is not built yet. It will draw runs on the same graph components the designer uses.
      </p>
      <ul>
        <li><Link to="/designer/">Designer: workflow definitions</Link></li>
        <li><a href="/api/docs/">API documentation</a></li>
        <li><a href="/admin/">Django admin</a></li>
      </ul>
    </main>
  );
}
