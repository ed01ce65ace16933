import type { RewardFigures } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { DataTable } from "../../components/Table";

export function RewardPerformance({ rewards }: { rewards: RewardFigures[] }) {
  const f = useFormat();
  return (
    <DataTable
      testId="reward-performance"
      caption="Reward performance"
      rows={rewards}
      rowKey={(r) => r.reward_id}
      empty="No rewards yet. Add some on the Rewards tab."
      columns={[
        { key: "name", header: "Reward", render: (r) => r.name },
        { key: "cost", header: "Points cost", align: "right", render: (r) => f.points(r.points_cost) },
        { key: "redeemed", header: "Redeemed", align: "right", render: (r) => f.points(r.redeemed) },
        { key: "spent", header: "Points spent", align: "right", render: (r) => f.points(r.points_spent) },
        { key: "open", header: "Open at checkout", align: "right", render: (r) => f.points(r.open) },
      ]}
    />
  );
}
