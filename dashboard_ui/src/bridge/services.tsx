import { type AppBridge, actions } from "@saleor/app-sdk/app-bridge";
import { createContext, type ReactNode, useContext, useMemo } from "react";

import { type Api, createApi } from "../api/api";
import { ApiClient } from "../api/client";

export type NotificationStatus = "success" | "error" | "info" | "warning";
export type Notify = (status: NotificationStatus, title: string, text?: string) => void;

export interface Services {
  appBridge: AppBridge;
  api: Api;
  notify: Notify;
}

/** A Dashboard toast. The Dashboard answers with `response`; nobody waits for it (nor its timeout). */
function makeNotify(appBridge: AppBridge): Notify {
  return (status, title, text) => {
    try {
      appBridge.dispatch(actions.Notification({ status, title, text })).catch(() => undefined);
    } catch {
      // no secure context for an action id: the page shows its own message anyway
    }
  };
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ appBridge, children }: { appBridge: AppBridge; children: ReactNode }) {
  const services = useMemo<Services>(
    () => ({ appBridge, api: createApi(new ApiClient(appBridge)), notify: makeNotify(appBridge) }),
    [appBridge],
  );
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error("useServices() outside ServicesProvider");
  return services;
}

export const useApi = (): Api => useServices().api;
export const useNotify = (): Notify => useServices().notify;
