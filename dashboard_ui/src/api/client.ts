import { type AppBridge, createAuthenticatedFetch } from "@saleor/app-sdk/app-bridge";

/** Field name (as the form knows it, e.g. "hold_days") → the server's message. "" = the whole form. */
export type FieldErrors = Record<string, string>;

type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue>;

interface ErrorBody {
  error?: string;
  detail?: unknown;
  errors?: { field?: string; message?: string }[];
}

const LOCATIONS = new Set(["body", "query", "path", "header"]);

/** `body.hold_days` → `hold_days`; `body` alone (a rule over several fields) → "". */
export function fieldKey(field: string): string {
  const parts = field.split(".");
  if (parts.length > 0 && LOCATIONS.has(parts[0] ?? "")) parts.shift();
  return parts.join(".");
}

function cleanMessage(message: string): string {
  return message.replace(/^Value error, /, "");
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: FieldErrors = {},
  ) {
    super(detail);
    this.name = "ApiError";
  }

  /** The Dashboard token ran out (they live five minutes) or the store is not known. */
  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  /** A message for a banner: the field errors the form could not place, or the detail. */
  get summary(): string {
    const loose = this.fields[""];
    return loose ? `${this.detail}: ${loose}` : this.detail;
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // not JSON: keep the status line
  }
  const fields: FieldErrors = {};
  for (const error of body.errors ?? []) {
    if (typeof error.field !== "string" || typeof error.message !== "string") continue;
    const key = fieldKey(error.field);
    const message = cleanMessage(error.message);
    fields[key] = fields[key] ? `${fields[key]}; ${message}` : message;
  }
  const detail =
    typeof body.detail === "string" ? body.detail : `${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, body.error ?? "http_error", detail, fields);
}

function filenameFrom(disposition: string | null): string | null {
  const match = disposition?.match(/filename="?([^";]+)"?/i);
  return match?.[1] ?? null;
}

/** Saves a blob as a file: the sandboxed iframe may download (`allow-downloads`). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  link.style.display = "none";
  document.body.appendChild(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/**
 * Calls Lojal's own API with the Dashboard's headers (`authorization-bearer`, `saleor-api-url`).
 * The token is read from AppBridge's state on every request: Dashboard tokens live five minutes and
 * `tokenRefresh` replaces them in that state.
 */
export class ApiClient {
  private readonly fetcher: typeof fetch;

  constructor(private readonly bridge: AppBridge) {
    // The SDK's default `fetch` argument refers to Node's `global`: pass the browser's own.
    this.fetcher = createAuthenticatedFetch(bridge, window.fetch.bind(window));
  }

  url(path: string, query?: Query): string {
    const url = new URL(path, window.location.origin);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
    }
    return url.pathname + url.search;
  }

  private async send(method: string, path: string, query?: Query, body?: unknown): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    const url = this.url(path, query);
    const tokenUsed = this.bridge.getState().token;
    let response: Response;
    try {
      response = await this.fetcher(url, init);
      if (response.status === 401 && this.bridge.getState().token !== tokenUsed) {
        // The Dashboard sent a fresher token while this request was under way: once more with it.
        response = await this.fetcher(url, init);
      }
    } catch {
      throw new ApiError(0, "network_error", "Lojal could not be reached. Check your connection and try again.");
    }
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await (await this.send("GET", path, query)).json()) as T;
  }

  async write<T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, undefined, body);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** Fetches with the auth headers (a plain link would have none) and saves what comes back. */
  async download(path: string, query: Query | undefined, fallbackName: string): Promise<string> {
    const response = await this.send("GET", path, query);
    const blob = await response.blob();
    const name = filenameFrom(response.headers.get("content-disposition")) ?? fallbackName;
    saveBlob(blob, name);
    return name;
  }
}
