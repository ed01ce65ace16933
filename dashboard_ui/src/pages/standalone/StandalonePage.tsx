import { Box, Text } from "@saleor/macaw-ui";

/** Shown when the page is opened outside the Saleor Dashboard, or the Dashboard never answered. */
export function StandalonePage({ reason }: { reason: "not-embedded" | "no-handshake" }) {
  return (
    <Box
      display="flex"
      justifyContent="center"
      paddingX={6}
      paddingY={16}
      data-testid="standalone"
      data-reason={reason}
    >
      <Box display="flex" flexDirection="column" gap={4} __maxWidth="560px">
        <Text as="h1" size={10} fontWeight="bold">
          Open Lojal inside the Saleor Dashboard
        </Text>
        <Text size={4}>
          {reason === "no-handshake"
            ? "This page is waiting for the Saleor Dashboard, which did not answer. Reload the Dashboard and open Lojal again."
            : "Lojal's Loyalty tab works inside the Saleor Dashboard, which signs you in and tells it which store to show."}
        </Text>
        <Box as="ul" display="flex" flexDirection="column" gap={2} paddingLeft={5} margin={0}>
          <li>
            <Text size={4}>
              <strong>Apps → Lojal</strong> opens the loyalty overview, members, program and rewards.
            </Text>
          </li>
          <li>
            <Text size={4}>
              <strong>Customers → Loyalty</strong> opens the same tab from the Customers menu.
            </Text>
          </li>
          <li>
            <Text size={4}>
              On a customer's page, <strong>Loyalty</strong> in the menu shows that customer's points.
            </Text>
          </li>
        </Box>
        <Text size={3} color="default2">
          Not installed yet? In the Dashboard choose Apps → Install external app and paste this server's
          <code> /api/manifest</code> address.
        </Text>
      </Box>
    </Box>
  );
}
