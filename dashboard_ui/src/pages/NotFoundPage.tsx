import { Box, Text } from "@saleor/macaw-ui";

import { paths, RouterLink } from "../router";

export function NotFoundPage() {
  return (
    <Box display="flex" flexDirection="column" gap={2} data-testid="not-found">
      <Text size={6} fontWeight="bold">
        There is nothing here
      </Text>
      <Text size={3}>
        <RouterLink to={paths.overview}>Back to the loyalty overview</RouterLink>
      </Text>
    </Box>
  );
}
