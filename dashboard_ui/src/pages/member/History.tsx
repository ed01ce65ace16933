import { Box, Button, Chip, Text } from "@saleor/macaw-ui";

import type { HistoryEntry } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { DataTable } from "../../components/Table";

export function History({
  entries,
  hasMore,
  loadingMore,
  onLoadMore,
}: {
  entries: HistoryEntry[];
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}) {
  const f = useFormat();
  return (
    <Box display="flex" flexDirection="column" gap={3}>
      <DataTable
        testId="history-table"
        caption="Points history"
        rows={entries}
        rowKey={(e) => e.id}
        empty="No points moved yet."
        columns={[
          { key: "date", header: "Date", render: (e) => f.dateTime(e.created_at), width: "170px" },
          { key: "description", header: "What happened", render: (e) => e.description },
          {
            key: "status",
            header: "Status",
            render: (e) => (
              <Chip size="small" backgroundColor={e.status === "pending" ? "info1" : "default2"}>
                <Text size={1}>{e.status === "pending" ? `pending until ${f.date(e.available_at)}` : "available"}</Text>
              </Chip>
            ),
          },
          { key: "actor", header: "By", render: (e) => e.actor ?? <Text size={3} color="default2">Lojal</Text> },
          {
            key: "points",
            header: "Points",
            align: "right",
            render: (e) => (
              <Text size={3} fontWeight="medium" color={e.points < 0 ? "critical1" : "default1"}>
                {f.signedPoints(e.points)}
              </Text>
            ),
          },
        ]}
      />
      {hasMore && (
        <Box>
          <Button variant="secondary" size="small" onClick={onLoadMore} disabled={loadingMore} data-testid="history-more">
            {loadingMore ? "Loading…" : "Load older entries"}
          </Button>
        </Box>
      )}
    </Box>
  );
}
