import { Box, Button, Text } from "@saleor/macaw-ui";
import { type ReactNode, useState } from "react";

/** A button that asks once more, in place, before doing something that cannot be undone. */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  onConfirm,
  busy,
  testId,
  variant = "error",
}: {
  label: string;
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
  testId?: string;
  /** The first button: red for what matters (erasure), quiet in a table row. */
  variant?: "error" | "secondary";
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <Button variant={variant} size="small" onClick={() => setAsking(true)} data-testid={testId}>
        {label}
      </Button>
    );
  }
  return (
    <Box
      display="flex"
      flexDirection="column"
      gap={2}
      padding={3}
      borderRadius={4}
      backgroundColor="critical1"
      role="alertdialog"
      data-testid={testId ? `${testId}-confirm` : undefined}
    >
      <Text size={3} color="critical2">
        {question}
      </Text>
      <Box display="flex" gap={2}>
        <Button variant="error" size="small" disabled={busy} onClick={() => onConfirm()}>
          {confirmLabel}
        </Button>
        <Button variant="secondary" size="small" onClick={() => setAsking(false)}>
          Cancel
        </Button>
      </Box>
    </Box>
  );
}
