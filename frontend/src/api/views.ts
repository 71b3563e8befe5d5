/**
 * Saved views of the runs list (/api/views/): a name and the list's filters (its query
 * parameters), the signed-in user's own or shared by someone. Only the owner renames,
 * shares or deletes one (403 otherwise).
 */
import { get, patch, post, request } from "./client";

export interface SavedView {
  id: number;
  name: string;
  /** The runs list's query parameters, e.g. {status: "failed", q: "customer.email=ann@example.com"}. */
  filters: Record<string, string>;
  shared: boolean;
  owner: string;
  /** The signed-in user's own view (else shared with everyone by its owner). */
  mine: boolean;
  created_at: string;
  updated_at: string;
}

const url = (id?: number) => (id === undefined ? "/api/views/" : `/api/views/${id}/`);

/** Mine first, then the ones others shared, each by name. */
export const listViews = () => get<SavedView[]>(url());
export const createView = (body: { name: string; filters: Record<string, string>; shared?: boolean }) =>
  post<SavedView>(url(), body);
export const updateView = (id: number, body: { name?: string; shared?: boolean; filters?: Record<string, string> }) =>
  patch<SavedView>(url(id), body);
export const deleteView = (id: number) => request<void>("DELETE", url(id));
