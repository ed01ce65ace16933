import { Box, Skeleton } from "@saleor/macaw-ui";

export function LoadingBlock({ lines = 3 }: { lines?: number }) {
  return (
    <Box display="flex" flexDirection="column" gap={3} data-testid="loading" aria-busy="true">
      {Array.from({ length: lines }, (_, index) => (
        <Skeleton key={index} height={8} />
      ))}
    </Box>
  );
}
