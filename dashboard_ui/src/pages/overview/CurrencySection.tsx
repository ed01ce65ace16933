import { Box } from "@saleor/macaw-ui";

import type { CurrencyFigures } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { BarChart } from "../../charts/BarChart";
import { chartColors } from "../../charts/palette";
import { DataTable } from "../../components/Table";

export function CurrencySection({ currencies }: { currencies: CurrencyFigures[] }) {
  const f = useFormat();
  const withOrders = currencies.filter((c) => c.aov_members !== null || c.aov_others !== null);
  return (
    <Box display="flex" flexDirection="column" gap={4}>
      {withOrders.length > 0 && (
        <Box __maxWidth="720px">
          <BarChart
            title="Average order value, members and other customers, per currency"
            testId="chart-aov"
            formatValue={(value) => f.number(value)}
            maxLabels={12}
            width={720}
            height={240}
            describe={(series, group, value) => `${group.label}: average order ${f.money(value, group.label)} (${series.label.toLowerCase()})`}
            series={[
              { key: "members", label: "Members", color: chartColors.primary },
              { key: "others", label: "Other customers", color: chartColors.muted },
            ]}
            groups={withOrders.map((c) => ({
              label: c.currency,
              values: [Number(c.aov_members ?? 0), Number(c.aov_others ?? 0)],
            }))}
          />
        </Box>
      )}
      <DataTable
        testId="currency-table"
        caption="Figures per currency"
        rows={currencies}
        rowKey={(c) => c.currency}
        empty="No paid orders in this period yet."
        columns={[
          { key: "currency", header: "Currency", render: (c) => c.currency },
          { key: "orders", header: "Orders, members / others", align: "right", render: (c) => `${f.points(c.orders_members)} / ${f.points(c.orders_others)}` },
          { key: "aov_members", header: "AOV members", align: "right", render: (c) => f.money(c.aov_members, c.currency) },
          { key: "aov_others", header: "AOV others", align: "right", render: (c) => f.money(c.aov_others, c.currency) },
          { key: "spend_member", header: "Spend / member", align: "right", render: (c) => f.money(c.spend_per_member, c.currency) },
          { key: "spend_other", header: "Spend / other customer", align: "right", render: (c) => f.money(c.spend_per_other_customer, c.currency) },
          { key: "ltv", header: "Lifetime value / member", align: "right", render: (c) => f.money(c.lifetime_value_per_member, c.currency) },
          { key: "liability", header: "Outstanding points", align: "right", render: (c) => f.money(c.liability, c.currency) },
        ]}
      />
    </Box>
  );
}
