// A small client-side router on window.location.pathname, under the app's base /app.
import { type CSSProperties, type MouseEvent, type ReactNode, useEffect, useState } from "react";

export const BASE = "/app";

export type Route =
  | { name: "overview" }
  | { name: "members" }
  | { name: "member"; id: number }
  | { name: "program" }
  | { name: "rewards" }
  | { name: "sync" }
  | { name: "customer"; customerId: string | null }
  | { name: "notFound" };

export function matchRoute(pathname: string, search: string): Route {
  const path = pathname.replace(/\/+$/, "") || "/";
  if (path === BASE || path === `${BASE}/loyalty` || path === `${BASE}/index.html`) return { name: "overview" };
  if (path === `${BASE}/loyalty/members`) return { name: "members" };
  const member = path.match(new RegExp(`^${BASE}/loyalty/members/(\\d+)$`));
  if (member?.[1]) return { name: "member", id: Number(member[1]) };
  if (path === `${BASE}/loyalty/program`) return { name: "program" };
  if (path === `${BASE}/loyalty/rewards`) return { name: "rewards" };
  if (path === `${BASE}/loyalty/sync`) return { name: "sync" };
  if (path === `${BASE}/customer`) {
    return { name: "customer", customerId: new URLSearchParams(search).get("customerId") };
  }
  return { name: "notFound" };
}

export const paths = {
  overview: `${BASE}/loyalty`,
  members: `${BASE}/loyalty/members`,
  member: (id: number) => `${BASE}/loyalty/members/${id}`,
  program: `${BASE}/loyalty/program`,
  rewards: `${BASE}/loyalty/rewards`,
  sync: `${BASE}/loyalty/sync`,
};

const NAVIGATED = "lojal:navigated";

/**
 * Moves inside the iframe, keeping the query string: the Dashboard's parameters (saleorApiUrl, id,
 * theme, …) must survive a reload of the frame.
 */
export function navigate(to: string): void {
  const target = to + window.location.search;
  if (target !== window.location.pathname + window.location.search) {
    window.history.pushState(null, "", target);
    window.dispatchEvent(new Event(NAVIGATED));
  }
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const read = () => matchRoute(window.location.pathname, window.location.search);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

/** An <a> that navigates without reloading (a modified click still opens a new tab). */
export function RouterLink({
  to,
  children,
  className,
  style,
  ariaCurrent,
  testId,
}: {
  to: string;
  children: ReactNode;
  className?: string;
  style?: CSSProperties;
  ariaCurrent?: boolean;
  testId?: string;
}) {
  return (
    <a
      href={to + window.location.search}
      className={className}
      style={style}
      aria-current={ariaCurrent ? "page" : undefined}
      data-testid={testId}
      onClick={(event) => {
        if (!isPlainClick(event)) return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}
