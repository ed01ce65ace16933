import { useAppBridge } from "@saleor/app-sdk/app-bridge";
import { useTheme } from "@saleor/macaw-ui";
import { useEffect } from "react";

import { macawTheme } from "./launch";

/** Follows the Dashboard's theme: the `theme` event comes after the handshake and on every switch. */
export function ThemeSync() {
  const { appBridge } = useAppBridge();
  const { setTheme } = useTheme();

  useEffect(() => {
    if (!appBridge) return undefined;
    const apply = (theme: string) => {
      setTheme(macawTheme(theme));
      // Native controls (date pickers, scrollbars) follow too.
      document.documentElement.style.colorScheme = theme === "dark" ? "dark" : "light";
    };
    const current = appBridge.getState().theme as string | undefined;
    if (current) apply(current);
    return appBridge.subscribe("theme", ({ theme }) => apply(theme));
  }, [appBridge, setTheme]);

  return null;
}
