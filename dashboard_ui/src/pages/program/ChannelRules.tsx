import { Box, Button, Input, Text } from "@saleor/macaw-ui";
import { type FormEvent, useState } from "react";

import type { ChannelRule, ChannelRuleIn } from "../../api/types";
import { useFormat } from "../../bridge/locale";
import { useApi, useNotify } from "../../bridge/services";
import { Card } from "../../components/Card";
import { ConfirmButton } from "../../components/Confirm";
import { ErrorNotice } from "../../components/Notice";
import { DataTable } from "../../components/Table";
import { trimDecimal } from "../../format";
import { asApiError } from "../../hooks/useResource";
import { useSubmit } from "../../hooks/useSubmit";

interface RuleForm {
  slug: string;
  currency: string;
  points_per_unit: string;
  point_value: string;
  min_order_amount: string;
  bonus_threshold_amount: string;
  bonus_points: string;
}

const EMPTY: RuleForm = {
  slug: "",
  currency: "",
  points_per_unit: "1",
  point_value: "0.01",
  min_order_amount: "0",
  bonus_threshold_amount: "",
  bonus_points: "0",
};

function fromRule(rule: ChannelRule): RuleForm {
  return {
    slug: rule.channel_slug,
    currency: rule.currency,
    points_per_unit: trimDecimal(rule.points_per_unit),
    point_value: trimDecimal(rule.point_value),
    min_order_amount: trimDecimal(rule.min_order_amount),
    bonus_threshold_amount: trimDecimal(rule.bonus_threshold_amount),
    bonus_points: String(rule.bonus_points),
  };
}

function toBody(form: RuleForm): ChannelRuleIn {
  const bonus = form.bonus_points.trim();
  return {
    currency: form.currency.trim().toUpperCase(),
    points_per_unit: form.points_per_unit.trim(),
    point_value: form.point_value.trim(),
    min_order_amount: form.min_order_amount.trim() || "0",
    bonus_threshold_amount: form.bonus_threshold_amount.trim() || null,
    bonus_points: /^\d+$/.test(bonus) ? Number(bonus) : bonus || 0,
  };
}

/** Per-channel earning: each channel has one currency, so its own rate, point value and minimum. */
export function ChannelRules({ rules, onChanged }: { rules: ChannelRule[]; onChanged: () => void }) {
  const api = useApi();
  const notify = useNotify();
  const f = useFormat();
  const [editing, setEditing] = useState<{ form: RuleForm; isNew: boolean } | null>(null);
  const [slugError, setSlugError] = useState<string | undefined>();
  const submit = useSubmit((slug: string, body: ChannelRuleIn) => api.putChannel(slug, body));

  const open = (form: RuleForm, isNew: boolean) => {
    submit.clear();
    setSlugError(undefined);
    setEditing({ form, isNew });
  };
  const set = (key: keyof RuleForm) => (value: string) =>
    setEditing((current) => (current ? { ...current, form: { ...current.form, [key]: value } } : current));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (!editing) return;
    const slug = editing.form.slug.trim();
    if (!slug) {
      setSlugError("Give the channel's slug, e.g. default-channel.");
      return;
    }
    setSlugError(undefined);
    const outcome = await submit.run(slug, toBody(editing.form));
    if (outcome.ok) {
      notify("success", "Channel rule saved", `Channel ${slug}`);
      setEditing(null);
      onChanged();
    } else {
      notify("error", "The channel rule was not saved", outcome.error.summary);
    }
  };

  const remove = async (slug: string) => {
    try {
      await api.deleteChannel(slug);
      notify("success", "Channel rule deleted", `${slug} uses the program defaults again.`);
      onChanged();
    } catch (error) {
      notify("error", "The channel rule was not deleted", asApiError(error).summary);
    }
  };

  const input = (key: keyof RuleForm, label: string, hint?: string, disabled?: boolean) => {
    const error = key === "slug" ? slugError : submit.fields[key];
    return (
      <Input
        id={`channel-${key}`}
        name={key}
        label={label}
        value={editing?.form[key] ?? ""}
        onChange={(event) => set(key)(event.target.value)}
        error={Boolean(error)}
        helperText={error ?? hint}
        disabled={disabled}
      />
    );
  };

  return (
    <Card
      title="Channels"
      testId="channel-rules"
      description="Channels without a rule use the program defaults above."
      actions={
        <Button size="small" variant="secondary" onClick={() => open(EMPTY, true)} data-testid="channel-add">
          Add channel rule
        </Button>
      }
    >
      <DataTable
        testId="channel-table"
        caption="Channel rules"
        rows={rules}
        rowKey={(rule) => rule.channel_slug}
        empty="No channel rules: every channel earns with the program defaults."
        columns={[
          { key: "slug", header: "Channel", render: (r) => r.channel_slug },
          { key: "currency", header: "Currency", render: (r) => r.currency },
          { key: "ppu", header: "Points per unit", align: "right", render: (r) => f.number(r.points_per_unit) },
          { key: "value", header: "Point value", align: "right", render: (r) => f.money(r.point_value, r.currency) },
          { key: "min", header: "Minimum order", align: "right", render: (r) => f.money(r.min_order_amount, r.currency) },
          {
            key: "bonus",
            header: "Bonus",
            align: "right",
            render: (r) =>
              r.bonus_threshold_amount ? `+${f.points(r.bonus_points)} over ${f.money(r.bonus_threshold_amount, r.currency)}` : "—",
          },
          {
            key: "actions",
            header: "",
            align: "right",
            render: (r) => (
              <Box display="flex" gap={2} justifyContent="flex-end">
                <Button size="small" variant="secondary" onClick={() => open(fromRule(r), false)}>
                  Edit
                </Button>
                <ConfirmButton
                  variant="secondary"
                  label="Delete"
                  question={`Delete the rule of ${r.channel_slug}? It goes back to the program defaults.`}
                  confirmLabel="Delete"
                  onConfirm={() => remove(r.channel_slug)}
                />
              </Box>
            ),
          },
        ]}
      />
      {editing && (
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
          data-testid="channel-form"
        >
          <Text size={4} fontWeight="bold">
            {editing.isNew ? "New channel rule" : `Channel ${editing.form.slug}`}
          </Text>
          <Box display="grid" gap={3} __gridTemplateColumns="repeat(auto-fill, minmax(200px, 1fr))">
            {input("slug", "Channel slug", "as in Saleor, e.g. default-channel", !editing.isNew)}
            {input("currency", "Currency", "the channel's currency, e.g. USD")}
            {input("points_per_unit", "Points per unit")}
            {input("point_value", "Point value")}
            {input("min_order_amount", "Minimum order", "orders below earn nothing")}
            {input("bonus_threshold_amount", "Bonus threshold", "empty = no bonus")}
            {input("bonus_points", "Bonus points")}
          </Box>
          {submit.error && Object.keys(submit.error.fields).length === 0 && <ErrorNotice error={submit.error} />}
          <Box display="flex" gap={2}>
            <Button type="submit" variant="primary" size="small" disabled={submit.busy} data-testid="channel-save">
              Save rule
            </Button>
            <Button type="button" variant="secondary" size="small" onClick={() => setEditing(null)}>
              Cancel
            </Button>
          </Box>
        </Box>
      )}
    </Card>
  );
}
