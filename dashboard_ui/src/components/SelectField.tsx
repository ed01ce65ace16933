import { Select } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

export interface Choice<V extends string> {
  label: string;
  value: V;
}

/** macaw's Select for a string value, with the server's error under it. */
export function SelectField<V extends string>({
  id,
  label,
  value,
  options,
  onChange,
  error,
  hint,
  disabled,
}: {
  id: string;
  label: string;
  value: V;
  options: Choice<V>[];
  onChange: (value: V) => void;
  error?: string;
  hint?: ReactNode;
  disabled?: boolean;
}) {
  return (
    <Select
      id={id}
      label={label}
      value={value}
      options={options}
      onChange={(next: string) => onChange(next as V)}
      error={Boolean(error)}
      helperText={error ?? hint}
      disabled={disabled}
      data-testid={`select-${id}`}
    />
  );
}
