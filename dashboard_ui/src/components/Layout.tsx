import { Box, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

import type { Route } from "../router";
import { Tabs } from "./Tabs";

/** The Loyalty page: title, tabs, and the tab's content, with the Dashboard's page spacing. */
export function LoyaltyLayout({ route, children }: { route: Route; children: ReactNode }) {
  return (
    <Box paddingX={8} paddingY={6} display="flex" flexDirection="column" gap={5} __maxWidth="1440px" marginX="auto">
      <Box display="flex" flexDirection="column" gap={1}>
        <Text as="h1" size={10} fontWeight="bold">
          Loyalty
        </Text>
        <Text size={3} color="default2">
          Points your customers earn and spend, the program's rules and the rewards they can choose.
        </Text>
      </Box>
      <Tabs route={route} />
      {children}
    </Box>
  );
}

export function PageStack({ children }: { children: ReactNode }) {
  return (
    <Box display="flex" flexDirection="column" gap={5}>
      {children}
    </Box>
  );
}
