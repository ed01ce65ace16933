import { useCallback, useState } from "react";

import type { ApiError, FieldErrors } from "../api/client";
import { asApiError } from "./useResource";

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: ApiError };

export interface Submission<A extends unknown[], R> {
  run: (...args: A) => Promise<Outcome<R>>;
  busy: boolean;
  error: ApiError | null;
  fields: FieldErrors;
  clear: () => void;
}

/** A form action: busy while it runs, the server's field errors kept for the inputs to show. */
export function useSubmit<A extends unknown[], R>(action: (...args: A) => Promise<R>): Submission<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const run = useCallback(
    async (...args: A): Promise<Outcome<R>> => {
      setBusy(true);
      setError(null);
      try {
        return { ok: true, value: await action(...args) };
      } catch (caught) {
        const failure = asApiError(caught);
        setError(failure);
        return { ok: false, error: failure };
      } finally {
        setBusy(false);
      }
    },
    [action],
  );

  const clear = useCallback(() => setError(null), []);
  return { run, busy, error, fields: error?.fields ?? {}, clear };
}
