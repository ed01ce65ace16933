import { Box, Text } from "@saleor/macaw-ui";

import type { MemberDetail } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { Stat, StatGrid } from "../../components/Stat";

export function Balances({ detail }: { detail: MemberDetail }) {
  const f = useFormat();
  const { points } = detail.member;
  return (
    <Box display="flex" flexDirection="column" gap={3}>
      <StatGrid>
        <Stat testId="balance-available" label="Available" value={f.points(points.available)} hint="can be spent now" />
        <Stat testId="balance-pending" label="Pending" value={f.points(points.pending)} hint="inside the return window" />
        <Stat testId="balance-held" label="Held" value={f.points(points.held)} hint="reserved by a checkout" />
        <Stat testId="balance-earned" label="Lifetime earned" value={f.points(points.lifetime_earned)} />
        <Stat testId="balance-redeemed" label="Lifetime redeemed" value={f.points(points.lifetime_redeemed)} />
      </StatGrid>
      {detail.next_available.length > 0 && (
        <Box display="flex" flexDirection="column" gap={1} data-testid="upcoming">
          <Text size={3} fontWeight="medium">
            Becoming available
          </Text>
          {detail.next_available.map((item) => (
            <Text key={item.available_at} size={3} color="default2">
              {f.points(item.points)} points on {f.dateTime(item.available_at)}
            </Text>
          ))}
        </Box>
      )}
    </Box>
  );
}
