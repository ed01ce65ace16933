import type { AppBridge } from "@saleor/app-sdk/app-bridge";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";

import { type Format, makeFormat } from "../format";

const FormatContext = createContext<Format>(makeFormat("en"));

/**
 * The Dashboard sends no locale in the URL; it sends `localeChanged` after the handshake.
 * useAppBridge() does not re-render on that event, so this subscribes itself.
 */
export function LocaleProvider({ appBridge, children }: { appBridge: AppBridge; children: ReactNode }) {
  const [locale, setLocale] = useState<string>(() => appBridge.getState().locale || "en");

  useEffect(() => {
    setLocale(appBridge.getState().locale || "en"); // in case it arrived before this effect ran
    return appBridge.subscribe("localeChanged", ({ locale: next }) => setLocale(next || "en"));
  }, [appBridge]);

  const format = useMemo(() => makeFormat(locale), [locale]);

  useEffect(() => {
    document.documentElement.lang = format.locale;
  }, [format.locale]);

  return <FormatContext.Provider value={format}>{children}</FormatContext.Provider>;
}

export const useFormat = (): Format => useContext(FormatContext);

/** Outside the Dashboard there is no AppBridge: format in the browser's language. */
export function StaticLocaleProvider({ children }: { children: ReactNode }) {
  const format = useMemo(() => makeFormat(navigator.language), []);
  return <FormatContext.Provider value={format}>{children}</FormatContext.Provider>;
}
