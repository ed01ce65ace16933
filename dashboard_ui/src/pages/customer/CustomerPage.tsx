import { Box, Text } from "@saleor/macaw-ui";

import type { MemberDetail, Reward } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi } from "../../bridge/services";
import { LoadingBlock } from "../../components/Loading";
import { ErrorNotice } from "../../components/Notice";
import { Stat } from "../../components/Stat";
import { useResource } from "../../hooks/useResource";

/** The customer page's Loyalty view: compact, for a popup next to the customer in the Dashboard. */
export function CustomerPage({ customerId }: { customerId: string | null }) {
  return (
    <Box padding={5} display="flex" flexDirection="column" gap={4} __maxWidth="720px">
      <Text as="h1" size={8} fontWeight="bold">
        Loyalty
      </Text>
      {customerId ? (
        <CustomerLoyalty customerId={customerId} />
      ) : (
        <Text size={3} data-testid="customer-missing">
          Open this from a customer's page in the Dashboard: it shows that customer's points.
        </Text>
      )}
    </Box>
  );
}

function CustomerLoyalty({ customerId }: { customerId: string }) {
  const api = useApi();
  const detail = useResource(() => api.memberByCustomer(customerId), [api, customerId]);
  const rewards = useResource(() => api.rewards(), [api]);

  if (detail.error?.status === 404) {
    return (
      <Box
        data-testid="not-a-member"
        display="flex"
        flexDirection="column"
        gap={2}
        padding={4}
        borderRadius={4}
        backgroundColor="default2"
      >
        <Text size={5} fontWeight="bold">
          Not a loyalty member yet
        </Text>
        <Text size={3}>
          This customer has no points with Lojal. They join with their first paid order, or when they opt in if
          your program asks for consent.
        </Text>
      </Box>
    );
  }
  if (detail.error) return <ErrorNotice error={detail.error} onRetry={detail.reload} />;
  if (!detail.data) return <LoadingBlock lines={4} />;
  return <Summary detail={detail.data} rewards={rewards.data ?? []} />;
}

function Summary({ detail, rewards }: { detail: MemberDetail; rewards: Reward[] }) {
  const f = useFormat();
  const { member } = detail;
  const available = member.points.available;
  const offered = rewards.filter((r) => r.is_active).sort((a, b) => a.points_cost - b.points_cost);
  const affordable = offered.filter((r) => r.points_cost <= available);
  const next = offered.find((r) => r.points_cost > available);

  return (
    <Box display="flex" flexDirection="column" gap={4} data-testid="customer-loyalty">
      <Text size={3} color="default2">
        {member.email ?? `Member #${member.id}`} · {member.enrolled ? "enrolled" : "not enrolled"}
      </Text>
      <Box display="grid" gap={3} __gridTemplateColumns="repeat(3, minmax(0, 1fr))">
        <Stat testId="customer-available" label="Available" value={f.points(available)} />
        <Stat testId="customer-pending" label="Pending" value={f.points(member.points.pending)} />
        <Stat testId="customer-held" label="Held" value={f.points(member.points.held)} />
      </Box>

      <Box display="flex" flexDirection="column" gap={2} data-testid="customer-affordable">
        <Text size={4} fontWeight="bold">
          Can afford now
        </Text>
        {affordable.length === 0 ? (
          <Text size={3} color="default2">
            No reward yet{next ? `: ${f.points(next.points_cost - available)} more points for “${next.name}”.` : "."}
          </Text>
        ) : (
          affordable.map((reward) => (
            <Box key={reward.id} display="flex" justifyContent="space-between" gap={3}>
              <Text size={3}>{reward.name}</Text>
              <Text size={3} color="default2">
                {f.points(reward.points_cost)} points
              </Text>
            </Box>
          ))
        )}
      </Box>

      <Box display="flex" flexDirection="column" gap={2} data-testid="customer-activity">
        <Text size={4} fontWeight="bold">
          Recent activity
        </Text>
        {detail.history.length === 0 && (
          <Text size={3} color="default2">
            No points moved yet.
          </Text>
        )}
        {detail.history.slice(0, 5).map((entry) => (
          <Box key={entry.id} display="flex" justifyContent="space-between" gap={3} data-testid="customer-activity-entry">
            <Box display="flex" flexDirection="column">
              <Text size={3}>{entry.description}</Text>
              <Text size={2} color="default2">
                {f.dateTime(entry.created_at)}
                {entry.status === "pending" ? ` · pending until ${f.date(entry.available_at)}` : ""}
              </Text>
            </Box>
            <Text size={3} fontWeight="medium" color={entry.points < 0 ? "critical1" : "default1"}>
              {f.signedPoints(entry.points)}
            </Text>
          </Box>
        ))}
      </Box>
    </Box>
  );
}
