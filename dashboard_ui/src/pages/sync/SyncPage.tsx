import { Box, Button, Chip, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import type { DeadLetter, OutboxKind, OutboxSubject, StuckMessage } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi, useNotify } from "../../bridge/services";
import { Card } from "../../components/Card";
import { PageStack } from "../../components/Layout";
import { LoadingBlock } from "../../components/Loading";
import { ErrorNotice, InfoNotice } from "../../components/Notice";
import { DataTable } from "../../components/Table";
import { asApiError, useResource } from "../../hooks/useResource";
import { paths, RouterLink } from "../../router";

const KIND_LABELS: Record<string, string> = {
  member_metadata: "Points shown on the customer in Saleor",
  delete_voucher: "Delete a redemption's discount voucher",
  check_hold: "Check a redemption's checkout",
};

export function kindLabel(kind: OutboxKind): string {
  return KIND_LABELS[kind] ?? kind;
}

function Subject({ subject }: { subject: OutboxSubject }) {
  if (subject.member_id !== undefined) {
    return (
      <RouterLink to={paths.member(subject.member_id)} style={{ color: "inherit" }} testId="sync-member-link">
        Member #{subject.member_id}
      </RouterLink>
    );
  }
  if (subject.hold_id !== undefined) return <>Redemption #{subject.hold_id}</>;
  return <>—</>;
}

function What({ kind, subject }: { kind: OutboxKind; subject: OutboxSubject }) {
  return (
    <Box display="flex" flexDirection="column" gap={0.5}>
      <Text size={3}>{kindLabel(kind)}</Text>
      <Text size={2} color="default2">
        <Subject subject={subject} />
      </Text>
    </Box>
  );
}

/** A date and time kept on one line. */
function When({ iso }: { iso: string }) {
  const f = useFormat();
  return (
    <Box as="span" __whiteSpace="nowrap">
      {f.dateTime(iso)}
    </Box>
  );
}

function Reason({ text }: { text: string | null }) {
  return (
    <Text size={2} color="default2" __wordBreak="break-word" __maxWidth="420px" display="block">
      {text ?? "—"}
    </Text>
  );
}

/** Messages to Saleor that are not getting through: dead letters to retry, and those still being retried. */
export function SyncPage() {
  const api = useApi();
  const notify = useNotify();
  const f = useFormat();
  const problems = useResource(() => api.outboxProblems(), [api]);
  const [retrying, setRetrying] = useState<number | null>(null);

  const retry = async (letter: DeadLetter) => {
    setRetrying(letter.id);
    try {
      const result = await api.retryDeadLetter(letter.id);
      notify(
        "success",
        "Sent back to the queue",
        result.outcome === "merged"
          ? `A waiting message (#${result.queued_as ?? "?"}) already does the same; this one is done when it is sent.`
          : "Lojal sends it again shortly, like any other message.",
      );
      problems.reload();
    } catch (error) {
      notify("error", "The message was not retried", asApiError(error).summary);
      problems.reload();
    } finally {
      setRetrying(null);
    }
  };

  const data = problems.data;
  return (
    <PageStack>
      <Card
        title="Not delivered to Saleor"
        description="Messages Lojal cannot deliver as they are: Saleor refused them, the customer is gone, or the app was uninstalled. Fix the cause, then retry; a retried message is sent like any other."
        testId="dead-letters"
      >
        {problems.error && <ErrorNotice error={problems.error} onRetry={problems.reload} />}
        {!data && !problems.error && <LoadingBlock lines={3} />}
        {data && (
          <Box display="flex" flexDirection="column" gap={3} opacity={problems.loading ? "0.6" : "1"}>
            <DataTable
              testId="dead-letters-table"
              caption="Messages not delivered to Saleor"
              rows={data.dead_letters}
              rowKey={(letter) => letter.id}
              empty="Nothing here: every message that could be delivered was."
              columns={[
                { key: "dead", header: "Given up", render: (l) => <When iso={l.dead_at} /> },
                { key: "what", header: "What", render: (l) => <What kind={l.kind} subject={l.subject} /> },
                { key: "reason", header: "Reason", render: (l) => <Reason text={l.reason} /> },
                { key: "attempts", header: "Attempts", align: "right", render: (l) => f.points(l.attempts) },
                {
                  key: "actions",
                  header: "",
                  align: "right",
                  render: (l) =>
                    l.queued_as !== null ? (
                      <Chip size="small" backgroundColor="info1" data-testid="dead-letter-queued" __whiteSpace="nowrap">
                        <Text size={1}>queued again as #{l.queued_as}</Text>
                      </Chip>
                    ) : (
                      <Button
                        size="small"
                        variant="secondary"
                        disabled={retrying !== null}
                        onClick={() => retry(l)}
                        data-testid="dead-letter-retry"
                      >
                        {retrying === l.id ? "Retrying…" : "Retry"}
                      </Button>
                    ),
                },
              ]}
            />
            {data.dead_letters_total > data.dead_letters.length && (
              <Text size={2} color="default2" data-testid="dead-letters-more">
                Showing the newest {f.points(data.dead_letters.length)} of {f.points(data.dead_letters_total)}.
                Operators can retry them all with <code>lojal outbox retry --all</code>.
              </Text>
            )}
          </Box>
        )}
      </Card>
      <Card
        title="Still retrying"
        description={
          data
            ? `Messages that failed ${f.points(data.stuck_after)} times or more, usually because Saleor cannot be reached. Lojal keeps trying, at least once an hour, and sends each as soon as Saleor accepts it.`
            : "Messages that keep failing, usually because Saleor cannot be reached. Lojal keeps trying."
        }
        testId="stuck"
      >
        {data &&
          (data.stuck.length === 0 ? (
            <InfoNotice testId="stuck-empty">Nothing is stuck: messages reach Saleor as they should.</InfoNotice>
          ) : (
            <DataTable<StuckMessage>
              testId="stuck-table"
              caption="Messages still being retried"
              rows={data.stuck}
              rowKey={(m) => m.id}
              columns={[
                { key: "since", header: "Queued", render: (m) => <When iso={m.created_at} /> },
                { key: "what", header: "What", render: (m) => <What kind={m.kind} subject={m.subject} /> },
                { key: "error", header: "Last error", render: (m) => <Reason text={m.last_error} /> },
                { key: "attempts", header: "Attempts", align: "right", render: (m) => f.points(m.attempts) },
                { key: "next", header: "Next attempt", align: "right", render: (m) => <When iso={m.next_attempt_at} /> },
              ]}
            />
          ))}
      </Card>
    </PageStack>
  );
}
