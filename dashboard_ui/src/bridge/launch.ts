// What the Dashboard put in the iframe's URL, read once at start-up.
// Saleor Dashboard 3.23 sends ?domain=&saleorApiUrl=&id=&featureFlags...&theme=light|dark (no locale).

export type DashboardTheme = "light" | "dark";

export interface Launch {
  saleorApiUrl: string | null;
  theme: DashboardTheme | null;
  inIframe: boolean;
}

function inIframe(): boolean {
  try {
    return window.self !== window.top;
  } catch {
    return true; // a cross-origin parent may refuse even the comparison
  }
}

export function readLaunch(): Launch {
  const params = new URLSearchParams(window.location.search);
  const theme = params.get("theme");
  return {
    saleorApiUrl: params.get("saleorApiUrl") || null,
    theme: theme === "light" || theme === "dark" ? theme : null,
    inIframe: inIframe(),
  };
}

/** Only inside the Dashboard's iframe, with the store named, can AppBridge get a token. */
export function isEmbedded(launch: Launch): boolean {
  return launch.inIframe && launch.saleorApiUrl !== null;
}

export function preferredTheme(launch: Launch): DashboardTheme {
  if (launch.theme) return launch.theme;
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export const macawTheme = (theme: DashboardTheme | string | undefined) =>
  theme === "dark" ? ("defaultDark" as const) : ("defaultLight" as const);
