import { Box, Button, Input, Text } from "@saleor/macaw-ui";
import { type FormEvent, useRef, useState } from "react";

import type { FieldErrors } from "../../api/client";
import type { AdjustmentIn, AdjustmentResult } from "../../api/types";
import { useApi, useNotify } from "../../bridge/services";
import { ErrorNotice } from "../../components/Notice";
import { useSubmit } from "../../hooks/useSubmit";
import { newUuid } from "../../uuid";

/**
 * Add or take away points with a reason. One idempotency key per submission: a retry of the same
 * submission (a double click, a lost answer) reuses it; changing the form makes a new one.
 */
export function AdjustForm({ memberId, onAdjusted }: { memberId: number; onAdjusted: (result: AdjustmentResult) => void }) {
  const api = useApi();
  const notify = useNotify();
  const [points, setPoints] = useState("");
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<FieldErrors>({});
  const key = useRef<string | null>(null);
  const submit = useSubmit((body: AdjustmentIn) => api.adjust(memberId, body));
  const errors: FieldErrors = { ...submit.fields, ...local };

  const edit = (setter: (value: string) => void) => (value: string) => {
    setter(value);
    key.current = null;
    setLocal({});
    submit.clear();
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const found: FieldErrors = {};
    const amount = points.trim();
    if (!/^[-+]?\d+$/.test(amount) || Number(amount) === 0) {
      found.points = "Enter a whole number of points: 50 adds points, -50 takes them away.";
    }
    if (!reason.trim()) found.reason = "A reason is required: it is kept on the member's history with your name.";
    setLocal(found);
    if (Object.keys(found).length > 0) return;

    key.current ??= newUuid();
    const outcome = await submit.run({ points: Number(amount), reason: reason.trim(), idempotency_key: key.current });
    if (outcome.ok) {
      key.current = null;
      setPoints("");
      setReason("");
      notify("success", "Points adjusted", outcome.value.entry.description);
      onAdjusted(outcome.value);
    } else {
      notify("error", "The adjustment was refused", outcome.error.summary);
    }
  };

  const fieldless = submit.error && !submit.error.fields.points && !submit.error.fields.reason ? submit.error : null;

  return (
    <Box as="form" display="flex" flexDirection="column" gap={3} onSubmit={onSubmit} noValidate data-testid="adjust-form">
      <Text size={3} color="default2">
        Positive numbers add points, negative numbers take them away. Your e-mail is recorded with the entry.
      </Text>
      <Box display="grid" gap={3} __gridTemplateColumns="minmax(120px, 180px) minmax(200px, 1fr)">
        <Input
          id="adjust-points"
          name="points"
          label="Points"
          inputMode="numeric"
          value={points}
          onChange={(e) => edit(setPoints)(e.target.value)}
          error={Boolean(errors.points)}
          helperText={errors.points}
        />
        <Input
          id="adjust-reason"
          name="reason"
          label="Reason"
          value={reason}
          onChange={(e) => edit(setReason)(e.target.value)}
          error={Boolean(errors.reason)}
          helperText={errors.reason ?? "e.g. parcel arrived late"}
        />
      </Box>
      {fieldless && <ErrorNotice error={fieldless} />}
      <Box>
        <Button type="submit" variant="primary" disabled={submit.busy} data-testid="adjust-submit">
          {submit.busy ? "Saving…" : "Adjust points"}
        </Button>
      </Box>
    </Box>
  );
}
