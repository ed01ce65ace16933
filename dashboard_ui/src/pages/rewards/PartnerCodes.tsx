import { Box, Button, Text, Textarea } from "@saleor/macaw-ui";
import { type FormEvent, useState } from "react";

import type { PartnerCodesResult, Reward } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi, useNotify } from "../../bridge/services";
import { useSubmit } from "../../hooks/useSubmit";

/** Partner codes: pasted one per line; each redemption hands out one. Duplicates are skipped. */
export function PartnerCodes({ reward, onUploaded }: { reward: Reward; onUploaded: (result: PartnerCodesResult) => void }) {
  const api = useApi();
  const notify = useNotify();
  const f = useFormat();
  const [text, setText] = useState("");
  const [last, setLast] = useState<PartnerCodesResult | null>(null);
  const submit = useSubmit((codes: string[]) => api.addCodes(reward.id, codes));
  const codes = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (codes.length === 0) return;
    const outcome = await submit.run(codes);
    if (outcome.ok) {
      setText("");
      setLast(outcome.value);
      notify("success", "Partner codes added", `${outcome.value.added} added, ${outcome.value.skipped} already there.`);
      onUploaded(outcome.value);
    } else {
      notify("error", "The codes were not added", outcome.error.summary);
    }
  };

  const total = last?.codes_total ?? reward.codes_total ?? 0;
  const free = last?.codes_free ?? reward.codes_free ?? 0;
  return (
    <Box as="form" onSubmit={onSubmit} display="flex" flexDirection="column" gap={3} data-testid="partner-codes">
      <Text size={4} fontWeight="bold">
        Partner codes
      </Text>
      <Text size={3} data-testid="partner-codes-count">
        {f.points(free)} of {f.points(total)} codes left to hand out
      </Text>
      <Textarea
        id="partner-codes-input"
        label="Codes, one per line"
        rows={5}
        value={text}
        onChange={(event) => setText(event.target.value)}
        error={Boolean(submit.fields.codes ?? submit.error)}
        helperText={submit.fields.codes ?? submit.error?.summary ?? `${codes.length} code(s) to add`}
      />
      {last && (
        <Text size={2} color="default2" data-testid="partner-codes-result">
          Last upload: {last.added} added, {last.skipped} skipped as duplicates.
        </Text>
      )}
      <Box>
        <Button type="submit" variant="secondary" size="small" disabled={submit.busy || codes.length === 0} data-testid="partner-codes-upload">
          Upload codes
        </Button>
      </Box>
    </Box>
  );
}
