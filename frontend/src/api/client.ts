/** The one way the browser talks to the server: JSON, session cookie, CSRF header. */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    super(ApiError.messageOf(status, body));
    this.status = status;
    this.code = typeof body.code === "string" ? body.code : `http.${status}`;
    this.body = body;
  }

  /** The server's detail, or each field's message, or a plain description of the status. */
  static messageOf(status: number, body: Record<string, unknown>): string {
    if (typeof body.detail === "string") return body.detail;
    const fields = Object.entries(body).filter(([k]) => k !== "code");
    if (fields.length) {
      return fields.map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(" ") : String(v)}`).join("; ");
    }
    if (status === 0) return "The server could not be reached. Check your connection and try again.";
    return `The server answered ${status}.`;
  }
}

export function csrfToken(): string {
  const match = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  return match ? decodeURIComponent(match.slice("csrftoken=".length)) : "";
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, {});
  }
  if (response.status === 401 || response.status === 403) {
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 || /credentials were not provided|not authenticated/i.test(String(data.detail ?? ""))) {
      window.location.assign(`/accounts/login/?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
    throw new ApiError(response.status, data);
  }
  const text = await response.text();
  let data: unknown = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: `The server answered ${response.status} with a non-JSON body.` };
    }
  }
  if (!response.ok) throw new ApiError(response.status, (data ?? {}) as Record<string, unknown>);
  return data as T;
}

export const get = <T>(url: string) => request<T>("GET", url);
export const post = <T>(url: string, body?: unknown) => request<T>("POST", url, body ?? {});
export const patch = <T>(url: string, body: unknown) => request<T>("PATCH", url, body);
