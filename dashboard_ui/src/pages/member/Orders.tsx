import type { StaffOrder } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { DataTable } from "../../components/Table";

export function Orders({ orders }: { orders: StaffOrder[] }) {
  const f = useFormat();
  return (
    <DataTable
      testId="orders-table"
      caption="Orders"
      rows={orders}
      rowKey={(o) => o.order_id}
      empty="No orders yet."
      columns={[
        { key: "number", header: "Order", render: (o) => (o.number ? `#${o.number}` : o.order_id) },
        { key: "placed", header: "Placed", render: (o) => f.date(o.placed_at) },
        { key: "total", header: "Total", align: "right", render: (o) => f.money(o.total, o.currency) },
        { key: "refunded", header: "Refunded", align: "right", render: (o) => (Number(o.refunded) > 0 ? f.money(o.refunded, o.currency) : "—") },
        { key: "points", header: "Points", align: "right", render: (o) => f.points(o.points - o.points_reversed) },
        { key: "explanation", header: "Explanation", render: (o) => o.explanation },
      ]}
    />
  );
}
