import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";

import { ApiError } from "../api/client";
import { useServices } from "../bridge/services";

export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(0, "client_error", message);
}

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  setData: (data: T) => void;
}

/**
 * Loads once per change of `deps`, keeps the last answer while reloading, and ignores answers that
 * arrive after a newer request. A 401 is retried when the Dashboard sends a fresh token.
 */
export function useResource<T>(load: () => Promise<T>, deps: DependencyList): Resource<T> {
  const { appBridge } = useServices();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const request = ++latest.current;
    setLoading(true);
    loadRef
      .current()
      .then((value) => {
        if (request !== latest.current) return;
        setData(value);
        setError(null);
      })
      .catch((caught: unknown) => {
        if (request !== latest.current) return;
        setError(asApiError(caught));
      })
      .finally(() => {
        if (request === latest.current) setLoading(false);
      });
    // `deps` are the caller's: the loader itself is read from a ref.
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);

  useEffect(() => {
    if (!error?.isUnauthorized) return undefined;
    return appBridge.subscribe("tokenRefresh", () => reload());
  }, [appBridge, error, reload]);

  return { data, error, loading, reload, setData };
}
