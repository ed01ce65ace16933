import { Box, Button, Checkbox, Input, Text } from "@saleor/macaw-ui";
import { type FormEvent, useEffect, useMemo, useState } from "react";

import type { Program, ProgramSettings } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi, useNotify } from "../../bridge/services";
import { Card } from "../../components/Card";
import { ErrorNotice, FieldMessage } from "../../components/Notice";
import { SelectField } from "../../components/SelectField";
import { useSubmit } from "../../hooks/useSubmit";
import { changes, EARNING_FIELDS, type FieldSpec, type ProgramForm as Form, REDEMPTION_FIELDS, toForm } from "./fields";

export function ProgramForm({ settings, onSaved }: { settings: ProgramSettings; onSaved: (next: ProgramSettings) => void }) {
  const api = useApi();
  const notify = useNotify();
  const f = useFormat();
  // Reloads after a channel or multiplier change bring an equal program: keep unsaved edits then.
  const programKey = JSON.stringify(settings.program);
  const initial = useMemo(() => toForm(JSON.parse(programKey) as Program), [programKey]);
  const [form, setForm] = useState<Form>(initial);
  const submit = useSubmit((body: Record<string, unknown>) => api.updateProgram(body));

  useEffect(() => setForm(initial), [initial]);

  const pending = changes(initial, form);
  const dirty = Object.keys(pending).length > 0;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!dirty) return;
    const outcome = await submit.run(pending);
    if (outcome.ok) {
      notify("success", "Program saved", `${Object.keys(pending).length} setting(s) changed.`);
      onSaved(outcome.value);
    } else {
      notify("error", "The program was not saved", outcome.error.summary);
    }
  };

  const field = (spec: FieldSpec) => {
    const error = submit.fields[spec.key];
    const id = `program-${spec.key}`;
    const value = form[spec.key];
    const set = (next: string | boolean) => setForm((current) => ({ ...current, [spec.key]: next }));
    if (spec.kind === "bool") {
      return (
        <Box key={spec.key} display="flex" flexDirection="column" gap={1} data-testid={`field-${spec.key}`}>
          <Checkbox id={id} checked={value === true} onCheckedChange={(checked) => set(checked === true)}>
            <Text size={3}>{spec.label}</Text>
          </Checkbox>
          <FieldMessage error={error} />
        </Box>
      );
    }
    if (spec.kind === "choice") {
      return (
        <Box key={spec.key} data-testid={`field-${spec.key}`}>
          <SelectField id={id} label={spec.label} value={String(value)} options={spec.options} onChange={set} error={error} hint={spec.hint} />
        </Box>
      );
    }
    return (
      <Box key={spec.key} data-testid={`field-${spec.key}`}>
        <Input
          id={id}
          name={spec.key}
          label={spec.label}
          inputMode={spec.kind === "int" ? "numeric" : "decimal"}
          value={String(value)}
          onChange={(event) => set(event.target.value)}
          error={Boolean(error)}
          helperText={error ?? spec.hint}
        />
      </Box>
    );
  };

  const grid = (fields: FieldSpec[]) => {
    const switches = fields.filter((spec) => spec.kind === "bool");
    return (
      <Box display="flex" flexDirection="column" gap={4}>
        <Box display="grid" gap={4} __gridTemplateColumns="repeat(auto-fill, minmax(260px, 1fr))">
          {fields.filter((spec) => spec.kind !== "bool").map(field)}
        </Box>
        {switches.length > 0 && (
          <Box display="flex" gap={6} flexWrap="wrap">
            {switches.map(field)}
          </Box>
        )}
      </Box>
    );
  };

  return (
    <Box as="form" onSubmit={onSubmit} noValidate display="flex" flexDirection="column" gap={5} data-testid="program-form">
      <Card
        title="Earning"
        description={
          settings.program.updated_by
            ? `Last changed ${f.dateTime(settings.program.updated_at)} by ${settings.program.updated_by}.`
            : "The defaults every channel uses unless it has a rule of its own."
        }
      >
        {grid(EARNING_FIELDS)}
      </Card>
      <Card title="Redemption" description="How shoppers turn points into a discount at checkout.">
        {grid(REDEMPTION_FIELDS)}
      </Card>
      {submit.error && submit.error.fields[""] !== undefined && <ErrorNotice error={submit.error} />}
      {submit.error && Object.keys(submit.error.fields).length === 0 && <ErrorNotice error={submit.error} />}
      <Box display="flex" gap={3} alignItems="center">
        <Button type="submit" variant="primary" disabled={!dirty || submit.busy} data-testid="program-save">
          {submit.busy ? "Saving…" : "Save program"}
        </Button>
        <Button type="button" variant="secondary" disabled={!dirty || submit.busy} onClick={() => { setForm(initial); submit.clear(); }}>
          Discard changes
        </Button>
        {dirty && (
          <Text size={2} color="default2" data-testid="program-dirty">
            {Object.keys(pending).length} unsaved change(s)
          </Text>
        )}
      </Box>
    </Box>
  );
}
