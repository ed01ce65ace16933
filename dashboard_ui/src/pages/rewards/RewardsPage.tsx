import { Box, Button, Chip, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import type { Reward } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi, useNotify } from "../../bridge/services";
import { Card } from "../../components/Card";
import { ConfirmButton } from "../../components/Confirm";
import { PageStack } from "../../components/Layout";
import { LoadingBlock } from "../../components/Loading";
import { ErrorNotice } from "../../components/Notice";
import { DataTable } from "../../components/Table";
import type { Format } from "../../format";
import { asApiError, useResource } from "../../hooks/useResource";
import { RedemptionsTable } from "../member/Redemptions";
import { RewardForm } from "./RewardForm";
import { kindLabel } from "./rewardForm";

function rewardValue(reward: Reward, f: Format): string {
  switch (reward.kind) {
    case "fixed_amount":
      return Object.entries(reward.amounts)
        .map(([currency, amount]) => f.money(amount, currency))
        .join(" · ");
    case "percentage": {
      const caps = Object.entries(reward.max_amounts).map(([currency, amount]) => f.money(amount, currency));
      return `${f.number(reward.percentage ?? "0")}%${caps.length ? ` (up to ${caps.join(" · ")})` : ""}`;
    }
    case "product":
      return reward.variant_id ? `variant ${reward.variant_id}` : "";
    case "free_shipping":
      return "free shipping";
    case "partner":
      return `${f.points(reward.codes_free ?? 0)} of ${f.points(reward.codes_total ?? 0)} codes left`;
  }
}

type Editing = { reward: Reward | null } | null;

export function RewardsPage() {
  const api = useApi();
  const notify = useNotify();
  const f = useFormat();
  const rewards = useResource(() => api.rewards(), [api]);
  const flagged = useResource(() => api.redemptions({ flagged: true, limit: 100 }), [api]);
  const [editing, setEditing] = useState<Editing>(null);

  const deactivate = async (reward: Reward) => {
    try {
      await api.deactivateReward(reward.id);
      notify("success", "Reward deactivated", `${reward.name} is no longer offered.`);
      rewards.reload();
    } catch (error) {
      notify("error", "The reward was not deactivated", asApiError(error).summary);
    }
  };

  return (
    <PageStack>
      {editing && (
        <RewardForm
          key={editing.reward?.id ?? "new"}
          reward={editing.reward}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            rewards.reload();
            // A partner reward stays open so its codes can be uploaded (right after creating it, too).
            setEditing(saved.kind === "partner" ? { reward: saved } : null);
          }}
        />
      )}
      <Card
        title="Rewards"
        description="What shoppers can turn their points into at checkout."
        testId="rewards"
        actions={
          <Button variant="primary" size="small" onClick={() => setEditing({ reward: null })} data-testid="reward-add">
            Add reward
          </Button>
        }
      >
        {rewards.error && <ErrorNotice error={rewards.error} onRetry={rewards.reload} />}
        {!rewards.data && !rewards.error && <LoadingBlock lines={4} />}
        {rewards.data && (
          <DataTable
            testId="rewards-table"
            caption="Rewards"
            rows={rewards.data}
            rowKey={(r) => r.id}
            empty="No rewards yet. Shoppers can still spend points as an amount off."
            columns={[
              { key: "name", header: "Name", render: (r) => r.name },
              { key: "kind", header: "Kind", render: (r) => kindLabel(r.kind) },
              { key: "cost", header: "Points", align: "right", render: (r) => f.points(r.points_cost) },
              { key: "value", header: "Value", render: (r) => rewardValue(r, f) },
              {
                key: "active",
                header: "Status",
                render: (r) => (
                  <Chip size="small" backgroundColor={r.is_active ? "success1" : "default2"}>
                    <Text size={1}>{r.is_active ? "offered" : "inactive"}</Text>
                  </Chip>
                ),
              },
              {
                key: "actions",
                header: "",
                align: "right",
                render: (r) => (
                  <Box display="flex" gap={2} justifyContent="flex-end">
                    <Button size="small" variant="secondary" onClick={() => setEditing({ reward: r })}>
                      {r.kind === "partner" ? "Edit / codes" : "Edit"}
                    </Button>
                    {r.is_active && (
                      <ConfirmButton
                        variant="secondary"
                        label="Deactivate"
                        question={`Stop offering “${r.name}”? Past redemptions keep it.`}
                        confirmLabel="Deactivate"
                        onConfirm={() => deactivate(r)}
                      />
                    )}
                  </Box>
                ),
              },
            ]}
          />
        )}
      </Card>
      <Card
        title="Flagged redemptions"
        description="Codes that turned up on another customer's order, or other redemptions that need a look."
        testId="flagged"
      >
        {flagged.error && <ErrorNotice error={flagged.error} onRetry={flagged.reload} />}
        {flagged.data && <RedemptionsTable rows={flagged.data} testId="flagged-table" showMember />}
      </Card>
    </PageStack>
  );
}
