import { Box, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

import type { Kpis } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { Stat, StatGrid } from "../../components/Stat";

export function KpiCards({ kpis }: { kpis: Kpis }) {
  const f = useFormat();
  const liabilityMoney = kpis.currencies.map((c) => f.money(c.liability, c.currency));
  return (
    <Box display="flex" flexDirection="column" gap={4}>
      <Group title="Members">
        <Stat testId="kpi-members" label="Members" value={f.points(kpis.members)} hint="customers Lojal knows" />
        <Stat testId="kpi-enrolled" label="Enrolled" value={f.points(kpis.members_enrolled)} hint="taking part in the program" />
        <Stat testId="kpi-enrolment-rate" label="Enrolment rate" value={f.percent(kpis.enrolment_rate)} hint="enrolled ÷ members" />
        <Stat testId="kpi-new-members" label="New members" value={f.points(kpis.new_members)} hint="enrolled in the period" />
        <Stat testId="kpi-active-members" label="Active members" value={f.points(kpis.active_members)} hint="ordered in the period" />
      </Group>
      <Group title="Points">
        <Stat testId="kpi-issued" label="Points issued" value={f.points(kpis.points_issued)} hint="earned and bonus" />
        <Stat testId="kpi-redeemed" label="Points redeemed" value={f.points(kpis.points_redeemed)} hint="spent on discounts" />
        <Stat testId="kpi-reversed" label="Points reversed" value={f.points(kpis.points_reversed)} hint="refunds and cancellations" />
        <Stat testId="kpi-redemption-rate" label="Redemption rate" value={f.percent(kpis.redemption_rate)} hint="redeemed ÷ issued" />
        <Stat
          testId="kpi-liability"
          label="Outstanding points"
          value={f.points(kpis.liability_points)}
          hint={
            liabilityMoney.length > 0 ? (
              <Text size={2} color="default2" data-testid="kpi-liability-money">
                worth {liabilityMoney.join(" · ")}
              </Text>
            ) : (
              "not yet spent"
            )
          }
        />
      </Group>
      <Group title="Loyalty">
        <Stat testId="kpi-repeat" label="Repeat purchase rate" value={f.percent(kpis.repeat_purchase_rate)} hint="members with 2+ orders, all time" />
        <Stat testId="kpi-retention" label="Retention" value={f.percent(kpis.retention_rate)} hint="of the previous period's active members" />
      </Group>
    </Box>
  );
}

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box display="flex" flexDirection="column" gap={2}>
      <Text as="h3" size={3} fontWeight="medium" color="default2">
        {title}
      </Text>
      <StatGrid>{children}</StatGrid>
    </Box>
  );
}
