import "@saleor/macaw-ui/style";

import { AppBridge } from "@saleor/app-sdk/app-bridge";
import { ThemeProvider } from "@saleor/macaw-ui";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import { StaticLocaleProvider } from "./bridge/locale";
import { isEmbedded, macawTheme, preferredTheme, readLaunch } from "./bridge/launch";
import { StandalonePage } from "./pages/standalone/StandalonePage";

document.body.style.margin = "0";

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root");
const root = createRoot(container);
const launch = readLaunch();

if (isEmbedded(launch)) {
  // The one AppBridge of the page: it posts notifyReady at once and listens for the Dashboard.
  const appBridge = new AppBridge();
  root.render(
    <StrictMode>
      <App appBridge={appBridge} initialTheme={preferredTheme(launch)} />
    </StrictMode>,
  );
} else {
  document.documentElement.style.colorScheme = preferredTheme(launch);
  root.render(
    <StrictMode>
      <ThemeProvider defaultTheme={macawTheme(preferredTheme(launch))}>
        <StaticLocaleProvider>
          <StandalonePage reason="not-embedded" />
        </StaticLocaleProvider>
      </ThemeProvider>
    </StrictMode>,
  );
}
