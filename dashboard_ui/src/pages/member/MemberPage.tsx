import { Box, Button, Chip, Text } from "@saleor/macaw-ui";
import { ArrowLeft } from "lucide-react";
import { useEffect, useState } from "react";

import type { HistoryEntry, MemberDetail } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi, useNotify } from "../../bridge/services";
import { Card } from "../../components/Card";
import { ConfirmButton } from "../../components/Confirm";
import { DownloadButton } from "../../components/DownloadButton";
import { PageStack } from "../../components/Layout";
import { LoadingBlock } from "../../components/Loading";
import { ErrorNotice } from "../../components/Notice";
import { fullName } from "../../format";
import { asApiError, useResource } from "../../hooks/useResource";
import { paths, RouterLink } from "../../router";
import { AdjustForm } from "./AdjustForm";
import { Balances } from "./Balances";
import { History } from "./History";
import { Orders } from "./Orders";
import { RedemptionsTable } from "./Redemptions";

/** Erased members keep their amounts but lose e-mail and name (the API has no flag for it). */
const isErased = (detail: MemberDetail) =>
  detail.member.email === null && detail.member.first_name === null && detail.member.last_name === null;

export function MemberPage({ memberId }: { memberId: number }) {
  const api = useApi();
  const notify = useNotify();
  const f = useFormat();
  const detail = useResource(() => api.member(memberId), [api, memberId]);
  const redemptions = useResource(() => api.redemptions({ member_id: memberId, limit: 50 }), [api, memberId]);
  const [older, setOlder] = useState<HistoryEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [busy, setBusy] = useState(false);

  // A fresh first page (after an adjustment, enrolment, erasure) starts the history over.
  useEffect(() => {
    setOlder([]);
    setCursor(detail.data?.history_next_cursor ?? null);
  }, [detail.data]);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.member(memberId, cursor);
      setOlder((entries) => [...entries, ...page.history]);
      setCursor(page.history_next_cursor);
    } catch (error) {
      notify("error", "Could not load older entries", asApiError(error).summary);
    } finally {
      setLoadingMore(false);
    }
  };

  const act = async (title: string, action: () => Promise<MemberDetail | void>) => {
    setBusy(true);
    try {
      const result = await action();
      if (result) detail.setData(result);
      else detail.reload();
      notify("success", title);
    } catch (error) {
      notify("error", `${title}: failed`, asApiError(error).summary);
    } finally {
      setBusy(false);
    }
  };

  const data = detail.data;
  const member = data?.member;
  const erased = data ? isErased(data) : false;
  const name = member ? fullName(member.first_name, member.last_name) : "";

  return (
    <PageStack>
      <Box>
        <RouterLink to={paths.members} style={{ textDecoration: "none" }} testId="back-to-members">
          <Box display="inline-flex" alignItems="center" gap={1} color="default2">
            <ArrowLeft size={14} />
            <Text size={3} color="default2">
              Members
            </Text>
          </Box>
        </RouterLink>
      </Box>
      {detail.error && <ErrorNotice error={detail.error} onRetry={detail.reload} />}
      {!data && !detail.error && <LoadingBlock lines={8} />}
      {data && member && (
        <>
          <Box display="flex" justifyContent="space-between" alignItems="flex-start" gap={4} flexWrap="wrap">
            <Box display="flex" flexDirection="column" gap={1}>
              <Text as="h2" size={9} fontWeight="bold" data-testid="member-title">
                {erased ? `Member #${member.id}` : member.email || name || `Member #${member.id}`}
              </Text>
              <Box display="flex" gap={2} alignItems="center" flexWrap="wrap">
                {name && !erased && (
                  <Text size={3} color="default2">
                    {name}
                  </Text>
                )}
                <Chip size="small" backgroundColor={member.enrolled ? "success1" : "default2"} data-testid="member-enrolment">
                  <Text size={1}>{member.enrolled ? "Enrolled" : "Not enrolled"}</Text>
                </Chip>
                {erased && (
                  <Chip size="small" backgroundColor="critical1">
                    <Text size={1}>Personal data erased</Text>
                  </Chip>
                )}
                <Text size={2} color="default2">
                  Joined {f.date(member.joined_at)}
                  {member.consent_at ? ` · consent ${f.date(member.consent_at)}` : ""}
                </Text>
              </Box>
            </Box>
            <Box display="flex" gap={2} alignItems="flex-start" flexWrap="wrap">
              {!erased &&
                (member.enrolled ? (
                  <Button variant="secondary" size="small" disabled={busy} onClick={() => act("Member unenrolled", () => api.unenrol(memberId))}>
                    Unenrol
                  </Button>
                ) : (
                  <Button variant="secondary" size="small" disabled={busy} onClick={() => act("Member enrolled", () => api.enrol(memberId))}>
                    Enrol
                  </Button>
                ))}
              <DownloadButton label="Export data" testId="export-member" download={() => api.exportMember(memberId)} />
              {!erased && (
                <ConfirmButton
                  label="Erase personal data"
                  testId="erase-member"
                  question="Erase this member's e-mail and name from Lojal? Their point amounts stay, anonymous. This cannot be undone."
                  confirmLabel="Erase personal data"
                  busy={busy}
                  onConfirm={() => act("Personal data erased", () => api.erase(memberId))}
                />
              )}
            </Box>
          </Box>

          <Card title="Points" testId="member-balances">
            <Balances detail={data} />
          </Card>
          <Card title="Adjust points" testId="member-adjust">
            <AdjustForm memberId={memberId} onAdjusted={() => detail.reload()} />
          </Card>
          <Card title="History" description="Every change of points, newest first, with who made it." testId="member-history">
            <History entries={[...data.history, ...older]} hasMore={cursor !== null} loadingMore={loadingMore} onLoadMore={loadMore} />
          </Card>
          <Card title="Orders" description="What each order earned, or what it is waiting for." testId="member-orders">
            <Orders orders={data.orders} />
          </Card>
          <Card title="Redemptions" testId="member-redemptions">
            {redemptions.error && <ErrorNotice error={redemptions.error} onRetry={redemptions.reload} />}
            {redemptions.data && <RedemptionsTable rows={redemptions.data} testId="member-redemptions-table" />}
          </Card>
        </>
      )}
    </PageStack>
  );
}
