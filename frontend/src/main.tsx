import { lazy, StrictMode, Suspense } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router";
import "./styles.css";

const DefinitionsPage = lazy(() => import("./designer/DefinitionsPage"));
const EditorPage = lazy(() => import("./designer/EditorPage"));
const ConsolePlaceholder = lazy(() => import("./console/ConsolePlaceholder"));

const page = (el: React.ReactNode) => <Suspense fallback={<div className="fd-loading">Loading…</div>}>{el}</Suspense>;

const router = createBrowserRouter([
  { path: "/", element: <Navigate to="/designer/" replace /> },
  { path: "/designer", element: page(<DefinitionsPage />) },
  { path: "/designer/:key", element: page(<EditorPage />) },
  { path: "/console/*", element: page(<ConsolePlaceholder />) },
  { path: "*", element: <Navigate to="/designer/" replace /> },
]);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <RouterProvider router={router} />
  </StrictMode>,
);
