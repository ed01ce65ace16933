import { Box, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

/** A bordered block with a title, as the Dashboard's cards look. */
export function Card({
  title,
  description,
  actions,
  children,
  testId,
}: {
  title?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <Box
      as="section"
      borderWidth={1}
      borderStyle="solid"
      borderColor="default1"
      borderRadius={4}
      padding={5}
      display="flex"
      flexDirection="column"
      gap={4}
      backgroundColor="default1"
      data-testid={testId}
      minWidth={0}
    >
      {(title || actions) && (
        <Box display="flex" justifyContent="space-between" alignItems="flex-start" gap={3} flexWrap="wrap">
          <Box display="flex" flexDirection="column" gap={1}>
            {title && (
              <Text as="h2" size={6} fontWeight="bold">
                {title}
              </Text>
            )}
            {description && (
              <Text size={3} color="default2">
                {description}
              </Text>
            )}
          </Box>
          {actions && (
            <Box display="flex" gap={2} alignItems="center" flexWrap="wrap">
              {actions}
            </Box>
          )}
        </Box>
      )}
      {children}
    </Box>
  );
}
