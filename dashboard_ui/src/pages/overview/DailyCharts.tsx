import { Box } from "@saleor/macaw-ui";

import type { DailyFigures } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { BarChart } from "../../charts/BarChart";
import { LineChart } from "../../charts/LineChart";
import { chartColors } from "../../charts/palette";

export function DailyCharts({ daily }: { daily: DailyFigures[] }) {
  const f = useFormat();
  const labels = daily.map((d) => d.day);
  return (
    <Box display="grid" gap={6} __gridTemplateColumns="repeat(auto-fit, minmax(560px, 1fr))">
      <Box display="flex" flexDirection="column" gap={2}>
        <ChartTitle>Points issued and redeemed per day</ChartTitle>
        <LineChart
          title="Points issued and redeemed per day"
          testId="chart-points"
          labels={labels}
          formatValue={f.points}
          formatLabel={f.day}
          describe={(series, day, value) => `${f.day(day)}: ${f.points(value)} ${series.label.toLowerCase()}`}
          series={[
            { key: "issued", label: "Points issued", color: chartColors.primary, values: daily.map((d) => d.points_issued), area: true },
            { key: "redeemed", label: "Points redeemed", color: chartColors.secondary, values: daily.map((d) => d.points_redeemed) },
          ]}
        />
      </Box>
      <Box display="flex" flexDirection="column" gap={2}>
        <ChartTitle>Orders per day: members and other customers</ChartTitle>
        <BarChart
          title="Orders per day by members and by other customers"
          testId="chart-orders"
          formatValue={f.points}
          formatLabel={f.day}
          describe={(series, group, value) => `${f.day(group.label)}: ${f.points(value)} orders by ${series.label.toLowerCase()}`}
          series={[
            { key: "members", label: "Members", color: chartColors.primary },
            { key: "others", label: "Other customers", color: chartColors.muted },
          ]}
          groups={daily.map((d) => ({ label: d.day, values: [d.orders_members, d.orders_others] }))}
        />
      </Box>
    </Box>
  );
}

function ChartTitle({ children }: { children: string }) {
  return (
    <Box as="h3" margin={0} fontSize={4} fontWeight="medium" color="default1">
      {children}
    </Box>
  );
}
