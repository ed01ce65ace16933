import { Box, Button, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

import type { ApiError } from "../api/client";

/** A banner for what no single input can show: a refused request, an unreachable server. */
export function ErrorNotice({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const text = error.isUnauthorized
    ? "Your Dashboard session has expired or this store is not known to Lojal. Reload the page to continue."
    : error.summary;
  return (
    <Box
      role="alert"
      backgroundColor="critical1"
      borderRadius={4}
      padding={3}
      display="flex"
      justifyContent="space-between"
      alignItems="center"
      gap={3}
      data-testid="error-notice"
    >
      <Text size={3} color="critical2">
        {text}
      </Text>
      {onRetry && (
        <Button variant="secondary" size="small" onClick={onRetry}>
          Try again
        </Button>
      )}
    </Box>
  );
}

export function InfoNotice({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <Box backgroundColor="default2" borderRadius={4} padding={3} data-testid={testId}>
      <Text size={3}>{children}</Text>
    </Box>
  );
}

/** A message under an input that is not a macaw Input (selects, checkboxes, editors). */
export function FieldMessage({ error, hint, testId }: { error?: string; hint?: ReactNode; testId?: string }) {
  if (!error && !hint) return null;
  return (
    <Text size={2} color={error ? "critical1" : "default2"} role={error ? "alert" : undefined} data-testid={testId}>
      {error ?? hint}
    </Text>
  );
}
