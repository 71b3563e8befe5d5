import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router";
import { prefetchFromLocation } from "./console/run/prefetch";
import "./styles.css";

const DefinitionsPage = lazy(() => import("./designer/DefinitionsPage"));
const EditorPage = lazy(() => import("./designer/EditorPage"));
const ConsoleApp = lazy(() => import("./console/ConsoleApp"));

const page = (el: React.ReactNode) => <Suspense fallback={<div className="fd-loading">Loading…</div>}>{el}</Suspense>;

// A console run's data starts loading while the page's code does.
prefetchFromLocation();

const router = createBrowserRouter([
  { path: "/", element: <Navigate to="/designer/" replace /> },
  { path: "/designer", element: page(<DefinitionsPage />) },
  { path: "/designer/:key", element: page(<EditorPage />) },
  { path: "/console/*", element: page(<ConsoleApp />) },
  { path: "*", element: <Navigate to="/designer/" replace /> },
]);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
