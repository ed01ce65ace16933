import { Box, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

/** One KPI: a label, a big number, and an optional line under it. */
export function Stat({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: ReactNode; testId?: string }) {
  return (
    <Box
      borderWidth={1}
      borderStyle="solid"
      borderColor="default1"
      borderRadius={4}
      padding={4}
      display="flex"
      flexDirection="column"
      gap={1}
      data-testid={testId}
      minWidth={0}
    >
      <Text size={2} color="default2" textTransform="uppercase" letterSpacing={2}>
        {label}
      </Text>
      <Text size={8} fontWeight="bold" data-testid={testId ? `${testId}-value` : undefined}>
        {value}
      </Text>
      {hint && (
        <Text size={2} color="default2">
          {hint}
        </Text>
      )}
    </Box>
  );
}

export function StatGrid({ children }: { children: ReactNode }) {
  return (
    <Box display="grid" gap={3} __gridTemplateColumns="repeat(auto-fill, minmax(180px, 1fr))">
      {children}
    </Box>
  );
}
