import { Box, Button, Input, Text } from "@saleor/macaw-ui";
import { Plus, X } from "lucide-react";

import { FieldMessage } from "../../components/Notice";
import type { AmountRow } from "./rewardForm";

/** Amounts per currency ({"USD": "5.00", "SEK": "50.00"}): one row per currency. */
export function AmountsEditor({
  id,
  label,
  hint,
  rows,
  onChange,
  error,
}: {
  id: string;
  label: string;
  hint?: string;
  rows: AmountRow[];
  onChange: (rows: AmountRow[]) => void;
  error?: string;
}) {
  const update = (index: number, patch: Partial<AmountRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <Box display="flex" flexDirection="column" gap={2} data-testid={`field-${id}`}>
      <Text size={3} fontWeight="medium">
        {label}
      </Text>
      {rows.map((row, index) => (
        <Box key={index} display="flex" gap={2} alignItems="flex-start">
          <Box __width="110px">
            <Input
              id={`${id}-${index}-currency`}
              label="Currency"
              size="small"
              value={row.currency}
              maxLength={3}
              onChange={(event) => update(index, { currency: event.target.value.toUpperCase() })}
              error={Boolean(error)}
            />
          </Box>
          <Box __width="160px">
            <Input
              id={`${id}-${index}-amount`}
              label="Amount"
              size="small"
              inputMode="decimal"
              value={row.amount}
              onChange={(event) => update(index, { amount: event.target.value })}
              error={Boolean(error)}
            />
          </Box>
          <Button
            type="button"
            variant="tertiary"
            size="small"
            icon={<X size={14} />}
            aria-label={`Remove ${row.currency || "this currency"}`}
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
            __marginTop="4px"
          />
        </Box>
      ))}
      <Box>
        <Button
          type="button"
          variant="secondary"
          size="small"
          icon={<Plus size={14} />}
          onClick={() => onChange([...rows, { currency: "", amount: "" }])}
          data-testid={`${id}-add`}
        >
          Add currency
        </Button>
      </Box>
      <FieldMessage error={error} hint={hint} testId={`${id}-message`} />
    </Box>
  );
}
