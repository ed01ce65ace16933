import { Box, Button, Input, Text } from "@saleor/macaw-ui";
import { useState } from "react";

import type { Period } from "../../api/types";
import { lastDays, type Preset } from "./period";

const PRESETS: { value: Exclude<Preset, "custom">; label: string }[] = [
  { value: 7, label: "7 days" },
  { value: 30, label: "30 days" },
  { value: 90, label: "90 days" },
];

export function PeriodPicker({
  preset,
  period,
  onChange,
}: {
  preset: Preset;
  period: Period;
  onChange: (preset: Preset, period: Period) => void;
}) {
  const [from, setFrom] = useState(period.from);
  const [to, setTo] = useState(period.to);
  const [custom, setCustom] = useState(preset === "custom");

  return (
    <Box display="flex" flexDirection="column" gap={3} data-testid="period-picker">
      <Box display="flex" gap={2} alignItems="center" flexWrap="wrap" role="group" aria-label="Period">
        <Text size={3} color="default2" marginRight={1}>
          Period
        </Text>
        {PRESETS.map((item) => (
          <Button
            key={item.value}
            size="small"
            variant={!custom && preset === item.value ? "primary" : "secondary"}
            aria-pressed={!custom && preset === item.value}
            onClick={() => {
              setCustom(false);
              const next = lastDays(item.value);
              setFrom(next.from);
              setTo(next.to);
              onChange(item.value, next);
            }}
          >
            {item.label}
          </Button>
        ))}
        <Button
          size="small"
          variant={custom ? "primary" : "secondary"}
          aria-pressed={custom}
          onClick={() => setCustom(true)}
        >
          Custom
        </Button>
        {!custom && (
          <Text size={2} color="default2">
            {period.from} – {period.to} (UTC)
          </Text>
        )}
      </Box>
      {custom && (
        <Box
          as="form"
          display="flex"
          gap={2}
          alignItems="flex-start"
          flexWrap="wrap"
          onSubmit={(event) => {
            event.preventDefault();
            onChange("custom", { from, to });
          }}
        >
          <Input id="period-from" label="From" type="date" size="small" value={from} onChange={(e) => setFrom(e.target.value)} />
          <Input id="period-to" label="To" type="date" size="small" value={to} onChange={(e) => setTo(e.target.value)} />
          <Button type="submit" size="small" variant="primary" __marginTop="6px">
            Apply
          </Button>
        </Box>
      )}
    </Box>
  );
}
