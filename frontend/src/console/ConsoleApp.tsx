/** /console/... — the operator console: its navigation and its pages. */
import { lazy, Suspense } from "react";
import { NavLink, Route, Routes } from "react-router";
import "./console.css";
import AlertsPage from "./alerts/AlertsPage";
import { useCan, useMe } from "./me";
import { HealthBanner } from "./health/HealthBanner";
import HealthPage from "./health/HealthPage";
import HomePage from "./home/HomePage";
import HooksPage from "./hooks/HooksPage";
import IncidentsPage from "./incidents/IncidentsPage";
import { useOpenTaskCount } from "./inbox/count";
import InboxPage from "./inbox/InboxPage";
import TaskPage from "./inbox/TaskPage";
import RunsPage from "./runs/RunsPage";
import SchedulePage from "./schedules/SchedulePage";
import SchedulesPage from "./schedules/SchedulesPage";

// The run page carries the graph canvas (React Flow): loaded when first opened.
const RunPage = lazy(() => import("./run/RunPage"));

export default function ConsoleApp() {
  const me = useMe();
  const openTasks = useOpenTaskCount();
  const isAdmin = useCan("administer");
  return (
    <div className="fc-app">
      <nav className="fc-nav" aria-label="Console">
        <span className="fc-nav__brand">Flowdeck</span>
        <NavLink to="/console/" end>Home</NavLink>
        <NavLink to="/console/runs">Runs</NavLink>
        <NavLink to="/console/incidents">Incidents</NavLink>
        <NavLink to="/console/alerts">Alerts</NavLink>
        <NavLink to="/console/inbox" aria-label={openTasks ? `Inbox, ${openTasks} open tasks` : "Inbox"}>
          Inbox{openTasks ? <span className="fc-nav__count" data-testid="inbox-count">{openTasks}</span> : null}
        </NavLink>
        <NavLink to="/console/schedules">Schedules</NavLink>
        <NavLink to="/console/health">Health</NavLink>
        {isAdmin && <NavLink to="/console/hooks">Webhooks</NavLink>}
        <span className="fc-spacer" />
        <a href="/designer/">Designer</a>
        <a href="/api/docs/">API</a>
        {me && (
          <span className="fc-nav__me" data-testid="me" title={`capabilities: ${me.capabilities.join(", ")}`}>
            {me.username} <span className="fd-muted">({me.roles.join(", ") || "no role"})</span>
          </span>
        )}
      </nav>
      <HealthBanner />
      <Suspense fallback={<div className="fd-loading">Loading…</div>}>
        <Routes>
          <Route index element={<HomePage />} />
          <Route path="runs" element={<RunsPage />} />
          <Route path="runs/:id" element={<RunPage />} />
          <Route path="incidents" element={<IncidentsPage />} />
          <Route path="alerts" element={<AlertsPage />} />
          <Route path="inbox" element={<InboxPage />} />
          <Route path="inbox/:id" element={<TaskPage />} />
          <Route path="schedules" element={<SchedulesPage />} />
          <Route path="schedules/:slug" element={<SchedulePage />} />
          <Route path="health" element={<HealthPage />} />
          <Route path="hooks" element={<HooksPage />} />
          <Route path="*" element={<p className="fc-page">No such console page. <NavLink to="/console/">Home</NavLink></p>} />
        </Routes>
      </Suspense>
    </div>
  );
}
