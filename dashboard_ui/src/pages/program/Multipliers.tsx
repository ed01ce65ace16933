import { Box, Button, Chip, Input, Text } from "@saleor/macaw-ui";
import { type FormEvent, useState } from "react";

import type { Multiplier, MultiplierIn, MultiplierTarget } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi, useNotify } from "../../bridge/services";
import { Card } from "../../components/Card";
import { ConfirmButton } from "../../components/Confirm";
import { ErrorNotice } from "../../components/Notice";
import { SelectField } from "../../components/SelectField";
import { DataTable } from "../../components/Table";
import { localToIso } from "../../dates";
import { asApiError } from "../../hooks/useResource";
import { useSubmit } from "../../hooks/useSubmit";

const TARGETS: { value: MultiplierTarget; label: string }[] = [
  { value: "product", label: "Product" },
  { value: "category", label: "Category" },
  { value: "collection", label: "Collection" },
];

interface MultiplierForm {
  name: string;
  target_type: MultiplierTarget;
  target: string;
  factor: string;
  starts_at: string; // datetime-local, in the browser's time zone
  ends_at: string;
}

const EMPTY: MultiplierForm = { name: "", target_type: "collection", target: "", factor: "2", starts_at: "", ends_at: "" };

export function Multipliers({ multipliers, onChanged }: { multipliers: Multiplier[]; onChanged: () => void }) {
  const api = useApi();
  const notify = useNotify();
  const f = useFormat();
  const [form, setForm] = useState<MultiplierForm | null>(null);
  const submit = useSubmit((body: MultiplierIn) => api.addMultiplier(body));
  const set = <K extends keyof MultiplierForm>(key: K) => (value: MultiplierForm[K]) =>
    setForm((current) => (current ? { ...current, [key]: value } : current));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    const outcome = await submit.run({
      name: form.name,
      target_type: form.target_type,
      target: form.target,
      factor: form.factor.trim(),
      starts_at: localToIso(form.starts_at),
      ends_at: localToIso(form.ends_at),
      is_active: true,
    });
    if (outcome.ok) {
      notify("success", "Multiplier added", `${outcome.value.name}: ×${outcome.value.factor}`);
      setForm(null);
      onChanged();
    } else {
      notify("error", "The multiplier was not added", outcome.error.summary);
    }
  };

  const remove = async (multiplier: Multiplier) => {
    try {
      await api.deleteMultiplier(multiplier.id);
      notify("success", "Multiplier removed", multiplier.name);
      onChanged();
    } catch (error) {
      notify("error", "The multiplier was not removed", asApiError(error).summary);
    }
  };

  const text = (key: "name" | "target" | "factor" | "starts_at" | "ends_at", label: string, hint?: string, type?: "datetime-local") => {
    const error = submit.fields[key];
    return (
      <Input
        id={`multiplier-${key}`}
        name={key}
        label={label}
        type={type}
        value={form?.[key] ?? ""}
        onChange={(event) => set(key)(event.target.value)}
        error={Boolean(error)}
        helperText={error ?? hint}
      />
    );
  };

  const when = (m: Multiplier) => {
    if (!m.starts_at && !m.ends_at) return "always";
    return `${m.starts_at ? f.dateTime(m.starts_at) : "…"} – ${m.ends_at ? f.dateTime(m.ends_at) : "…"}`;
  };

  return (
    <Card
      title="Multipliers"
      testId="multipliers"
      description="Extra points for a product, category or collection. A line gets its single best multiplier."
      actions={
        <Button size="small" variant="secondary" onClick={() => { submit.clear(); setForm(EMPTY); }} data-testid="multiplier-add">
          Add multiplier
        </Button>
      }
    >
      <DataTable
        testId="multiplier-table"
        caption="Multipliers"
        rows={multipliers}
        rowKey={(m) => m.id}
        empty="No multipliers."
        columns={[
          { key: "name", header: "Name", render: (m) => m.name },
          { key: "target", header: "Applies to", render: (m) => `${m.target_type} ${m.target}` },
          { key: "factor", header: "Factor", align: "right", render: (m) => `×${f.number(m.factor)}` },
          { key: "window", header: "When", render: when },
          {
            key: "active",
            header: "",
            render: (m) => (
              <Chip size="small" backgroundColor={m.is_active ? "success1" : "default2"}>
                <Text size={1}>{m.is_active ? "active" : "off"}</Text>
              </Chip>
            ),
          },
          {
            key: "actions",
            header: "",
            align: "right",
            render: (m) => (
              <ConfirmButton variant="secondary" label="Remove" question={`Remove “${m.name}”?`} confirmLabel="Remove" onConfirm={() => remove(m)} />
            ),
          },
        ]}
      />
      {form && (
        <Box
          as="form"
          onSubmit={onSubmit}
          noValidate
          display="flex"
          flexDirection="column"
          gap={3}
          padding={4}
          borderRadius={4}
          backgroundColor="default2"
          data-testid="multiplier-form"
        >
          <Box display="grid" gap={3} __gridTemplateColumns="repeat(auto-fill, minmax(200px, 1fr))">
            {text("name", "Name", "e.g. Double points on sustainable")}
            <SelectField
              id="multiplier-target_type"
              label="Applies to"
              value={form.target_type}
              options={TARGETS}
              onChange={set("target_type")}
              error={submit.fields.target_type}
            />
            {text("target", "Saleor id or slug")}
            {text("factor", "Factor", "2 = double points")}
            {text("starts_at", "Starts", "optional", "datetime-local")}
            {text("ends_at", "Ends", "optional", "datetime-local")}
          </Box>
          {submit.error && (Object.keys(submit.error.fields).length === 0 || submit.error.fields[""]) && <ErrorNotice error={submit.error} />}
          <Box display="flex" gap={2}>
            <Button type="submit" variant="primary" size="small" disabled={submit.busy} data-testid="multiplier-save">
              Add multiplier
            </Button>
            <Button type="button" variant="secondary" size="small" onClick={() => setForm(null)}>
              Cancel
            </Button>
          </Box>
        </Box>
      )}
    </Card>
  );
}
