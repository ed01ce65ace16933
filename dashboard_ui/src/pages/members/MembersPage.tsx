import { Box, Button, Chip, Input, Text } from "@saleor/macaw-ui";
import { ArrowDown, ArrowUp } from "lucide-react";
import { useEffect, useState } from "react";

import type { MemberSort, StaffMember } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi } from "../../bridge/services";
import { Card } from "../../components/Card";
import { PageStack } from "../../components/Layout";
import { LoadingBlock } from "../../components/Loading";
import { ErrorNotice } from "../../components/Notice";
import { type Column, DataTable } from "../../components/Table";
import { useDebounced } from "../../hooks/useDebounced";
import { useResource } from "../../hooks/useResource";
import { fullName } from "../../format";
import { navigate, paths } from "../../router";

interface ListState {
  search: string;
  sort: MemberSort;
  descending: boolean;
  page: number;
  pageSize: number;
}

// Kept while the frame lives, so "back to members" returns to the same search and page.
let remembered: ListState = { search: "", sort: "joined_at", descending: true, page: 1, pageSize: 25 };

export function MembersPage() {
  const api = useApi();
  const f = useFormat();
  const [state, setState] = useState<ListState>(remembered);
  const search = useDebounced(state.search.trim(), 300);
  const update = (patch: Partial<ListState>) => setState((current) => ({ ...current, ...patch }));

  useEffect(() => {
    remembered = state;
  }, [state]);

  const list = useResource(
    () =>
      api.members({
        search: search || undefined,
        sort: state.sort,
        descending: state.descending,
        page: state.page,
        page_size: state.pageSize,
      }),
    [api, search, state.sort, state.descending, state.page, state.pageSize],
  );

  const sortBy = (sort: MemberSort) =>
    update({ sort, descending: state.sort === sort ? !state.descending : sort !== "email", page: 1 });

  const header = (label: string, sort: MemberSort) => (
    <SortHeader label={label} active={state.sort === sort} descending={state.descending} onClick={() => sortBy(sort)} />
  );

  const sorted = (sort: MemberSort) =>
    state.sort === sort ? (state.descending ? ("descending" as const) : ("ascending" as const)) : undefined;

  const columns: Column<StaffMember>[] = [
    { key: "email", sorted: sorted("email"), header: header("E-mail", "email"), render: (m) => m.email ?? <Text size={3} color="default2">erased</Text> },
    { key: "name", header: "Name", render: (m) => fullName(m.first_name, m.last_name) || "—" },
    {
      key: "enrolled",
      header: "Enrolled",
      render: (m) => (
        <Chip size="small" backgroundColor={m.enrolled ? "success1" : "default2"}>
          <Text size={1}>{m.enrolled ? "Yes" : "No"}</Text>
        </Chip>
      ),
    },
    { key: "available", sorted: sorted("points_available"), header: header("Available", "points_available"), align: "right", render: (m) => f.points(m.points.available) },
    { key: "pending", header: "Pending", align: "right", render: (m) => f.points(m.points.pending) },
    { key: "held", header: "Held", align: "right", render: (m) => f.points(m.points.held) },
    { key: "earned", sorted: sorted("points_earned_lifetime"), header: header("Lifetime earned", "points_earned_lifetime"), align: "right", render: (m) => f.points(m.points.lifetime_earned) },
    { key: "joined", sorted: sorted("joined_at"), header: header("Joined", "joined_at"), align: "right", render: (m) => f.date(m.joined_at) },
  ];

  const data = list.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / data.page_size)) : 1;
  const first = data && data.total > 0 ? (data.page - 1) * data.page_size + 1 : 0;
  const last = data ? Math.min(data.total, data.page * data.page_size) : 0;

  return (
    <PageStack>
      <Card title="Members" description="Everyone Lojal knows from your store's customers and orders.">
        <Box display="flex" gap={3} alignItems="flex-start" flexWrap="wrap">
          <Box __flex="1 1 320px">
            <Input
              id="member-search"
              label="Search by e-mail or name"
              size="small"
              value={state.search}
              onChange={(event) => update({ search: event.target.value, page: 1 })}
              data-testid="member-search"
            />
          </Box>
        </Box>
        {list.error && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {!data && !list.error && <LoadingBlock lines={5} />}
        {data && (
          <Box opacity={list.loading ? "0.6" : "1"} data-testid="members-results" data-total={data.total}>
            <DataTable
              testId="members-table"
              caption="Members"
              rows={data.members}
              rowKey={(m) => m.id}
              columns={columns}
              onRowClick={(m) => navigate(paths.member(m.id))}
              empty={search ? `No member matches “${search}”.` : "No members yet: they appear with the first customer or paid order."}
            />
            <Box display="flex" justifyContent="space-between" alignItems="center" paddingTop={3} gap={3} flexWrap="wrap">
              <Text size={2} color="default2" data-testid="members-range">
                {data.total === 0 ? "0 members" : `${f.points(first)}–${f.points(last)} of ${f.points(data.total)}`}
              </Text>
              <Box display="flex" gap={2} alignItems="center">
                <Button
                  size="small"
                  variant="secondary"
                  disabled={data.page <= 1}
                  onClick={() => update({ page: state.page - 1 })}
                >
                  Previous
                </Button>
                <Text size={2}>
                  Page {data.page} of {pages}
                </Text>
                <Button
                  size="small"
                  variant="secondary"
                  disabled={data.page >= pages}
                  onClick={() => update({ page: state.page + 1 })}
                >
                  Next
                </Button>
              </Box>
            </Box>
          </Box>
        )}
      </Card>
    </PageStack>
  );
}

function SortHeader({
  label,
  active,
  descending,
  onClick,
}: {
  label: string;
  active: boolean;
  descending: boolean;
  onClick: () => void;
}) {
  return (
    <button
      type="button"
      onClick={onClick}
      title={`Sort by ${label.toLowerCase()}`}
      style={{
        all: "unset",
        cursor: "pointer",
        display: "inline-flex",
        alignItems: "center",
        gap: 4,
        fontWeight: active ? 600 : 500,
      }}
    >
      {label}
      {active && (descending ? <ArrowDown size={12} /> : <ArrowUp size={12} />)}
    </button>
  );
}
