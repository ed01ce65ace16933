import { Box, Text } from "@saleor/macaw-ui";

import { paths, type Route, RouterLink } from "../router";

const TABS: { label: string; slug: string; to: string; routes: Route["name"][] }[] = [
  { label: "Overview", slug: "overview", to: paths.overview, routes: ["overview"] },
  { label: "Members", slug: "members", to: paths.members, routes: ["members", "member"] },
  { label: "Program", slug: "program", to: paths.program, routes: ["program"] },
  { label: "Rewards", slug: "rewards", to: paths.rewards, routes: ["rewards"] },
  { label: "Saleor sync", slug: "sync", to: paths.sync, routes: ["sync"] },
];

export function Tabs({ route }: { route: Route }) {
  return (
    <Box
      as="nav"
      aria-label="Loyalty sections"
      display="flex"
      gap={2}
      borderBottomWidth={1}
      borderBottomStyle="solid"
      borderColor="default1"
    >
      {TABS.map((tab) => {
        const active = tab.routes.includes(route.name);
        return (
          <RouterLink key={tab.to} to={tab.to} ariaCurrent={active} style={{ textDecoration: "none" }} testId={`tab-${tab.slug}`}>
            <Box
              paddingX={3}
              paddingY={2}
              __borderBottomWidth="2px"
              borderBottomStyle="solid"
              borderColor={active ? "accent1" : "transparent"}
              __marginBottom="-1px"
            >
              <Text size={4} fontWeight={active ? "bold" : "regular"} color={active ? "default1" : "default2"}>
                {tab.label}
              </Text>
            </Box>
          </RouterLink>
        );
      })}
    </Box>
  );
}
