import { Box, Text } from "@saleor/macaw-ui";

import type { ChartSeries } from "./palette";

export function Legend({ series }: { series: ChartSeries[] }) {
  return (
    <Box display="flex" gap={4} flexWrap="wrap" aria-hidden="true">
      {series.map((item) => (
        <Box key={item.key} display="flex" alignItems="center" gap={2}>
          <span style={{ width: 10, height: 10, borderRadius: 2, background: item.color, display: "inline-block" }} />
          <Text size={2} color="default2">
            {item.label}
          </Text>
        </Box>
      ))}
    </Box>
  );
}
