import { Chip, Text } from "@saleor/macaw-ui";

import type { StaffRedemption } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { DataTable } from "../../components/Table";

export function RedemptionsTable({ rows, testId, showMember }: { rows: StaffRedemption[]; testId: string; showMember?: boolean }) {
  const f = useFormat();
  return (
    <DataTable
      testId={testId}
      caption="Redemptions"
      rows={rows}
      rowKey={(r) => r.id}
      empty="No redemptions."
      columns={[
        { key: "created", header: "Created", render: (r) => f.dateTime(r.created_at) },
        ...(showMember ? [{ key: "member", header: "Member", render: (r: StaffRedemption) => `#${r.member_id}` }] : []),
        { key: "kind", header: "Kind", render: (r) => (r.reward_id ? `reward #${r.reward_id}` : r.kind) },
        {
          key: "status",
          header: "Status",
          render: (r) => (
            <Chip size="small" backgroundColor={r.status === "committed" ? "success1" : r.status === "open" ? "info1" : "default2"}>
              <Text size={1}>{r.status}</Text>
            </Chip>
          ),
        },
        { key: "points", header: "Points", align: "right", render: (r) => f.points(r.points_committed ?? r.points) },
        {
          key: "discount",
          header: "Discount",
          align: "right",
          render: (r) => (r.currency ? f.money(r.discount_applied ?? r.discount_amount, r.currency) : "—"),
        },
        { key: "note", header: "Note", render: (r) => r.flagged_reason ?? r.end_reason ?? "" },
      ]}
    />
  );
}
