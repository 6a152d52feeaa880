import type { SessionInfo } from "../../api-types.js";

export const BASE = "/dashboard/api";

let csrf = "";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 401) {
    // Signed out (the session expired): back to the login form.
    window.location.assign("/dashboard/login");
    throw new ApiError(401, "sign in first");
  }
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok)
    throw new ApiError(response.status, (body as { error?: string } | null)?.error ?? response.statusText);
  return body as T;
}

export const getJson = async <T>(
  path: string,
  query?: Record<string, string | number | undefined>,
): Promise<T> => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return answer<T>(await fetch(`${BASE}/${path}${qs ? `?${qs}` : ""}`, { credentials: "same-origin" }));
};

/** A state-changing call: JSON body and the session's CSRF token. */
export const postJson = async <T>(path: string, body: unknown, base = BASE): Promise<T> =>
  answer<T>(
    await fetch(`${base}/${path}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    }),
  );

export async function startSession(): Promise<SessionInfo> {
  const session = await getJson<SessionInfo>("session");
  csrf = session.csrf;
  return session;
}
