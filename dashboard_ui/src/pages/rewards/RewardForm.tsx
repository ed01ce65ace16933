import { Box, Button, Checkbox, Input, Text } from "@saleor/macaw-ui";
import { type FormEvent, useState } from "react";

import type { Reward, RewardIn } from "../../api/types";
import { useApi, useNotify } from "../../bridge/services";
import { Card } from "../../components/Card";
import { ErrorNotice } from "../../components/Notice";
import { SelectField } from "../../components/SelectField";
import { useSubmit } from "../../hooks/useSubmit";
import { AmountsEditor } from "./AmountsEditor";
import { PartnerCodes } from "./PartnerCodes";
import { EMPTY_REWARD, fromReward, KINDS, type RewardFormState, toRewardIn } from "./rewardForm";

const PLACED = new Set([
  "name",
  "description",
  "kind",
  "points_cost",
  "amounts",
  "percentage",
  "max_amounts",
  "variant_id",
  "min_order_amounts",
  "starts_at",
  "ends_at",
  "per_member_limit",
  "stock",
]);

/** Create or edit a reward of any kind; the server validates and its messages show under the inputs. */
export function RewardForm({
  reward,
  onSaved,
  onClose,
}: {
  reward: Reward | null;
  onSaved: (reward: Reward) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const notify = useNotify();
  const [form, setForm] = useState<RewardFormState>(() => (reward ? fromReward(reward) : EMPTY_REWARD));
  const submit = useSubmit((body: RewardIn) => (reward ? api.updateReward(reward.id, body) : api.createReward(body)));
  const errors = submit.fields;
  const set = <K extends keyof RewardFormState>(key: K) => (value: RewardFormState[K]) =>
    setForm((current) => ({ ...current, [key]: value }));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    const outcome = await submit.run(toRewardIn(form));
    if (outcome.ok) {
      notify("success", reward ? "Reward saved" : "Reward created", outcome.value.name);
      onSaved(outcome.value);
    } else {
      notify("error", reward ? "The reward was not saved" : "The reward was not created", outcome.error.summary);
    }
  };

  const text = (
    key: "name" | "description" | "points_cost" | "percentage" | "variant_id" | "starts_at" | "ends_at" | "per_member_limit" | "stock",
    label: string,
    hint?: string,
    type?: "datetime-local",
  ) => (
    <Input
      id={`reward-${key}`}
      name={key}
      label={label}
      type={type}
      inputMode={key === "points_cost" || key === "per_member_limit" || key === "stock" ? "numeric" : undefined}
      value={form[key]}
      onChange={(event) => set(key)(event.target.value)}
      error={Boolean(errors[key])}
      helperText={errors[key] ?? hint}
    />
  );

  const unplaced = Object.entries(errors).filter(([key]) => !PLACED.has(key));

  return (
    <Card
      title={reward ? `Edit “${reward.name}”` : "New reward"}
      testId="reward-form"
      actions={
        <Button variant="tertiary" size="small" onClick={onClose}>
          Close
        </Button>
      }
    >
      <Box as="form" onSubmit={onSubmit} noValidate display="flex" flexDirection="column" gap={4}>
        <Box display="grid" gap={4} __gridTemplateColumns="repeat(auto-fill, minmax(240px, 1fr))">
          {text("name", "Name", "what shoppers see, e.g. 5 USD off")}
          <SelectField id="reward-kind" label="Kind" value={form.kind} options={KINDS} onChange={set("kind")} error={errors.kind} />
          {text("points_cost", "Points cost")}
        </Box>
        {text("description", "Description", "optional")}

        {form.kind === "fixed_amount" && (
          <AmountsEditor
            id="reward-amounts"
            label="Amount off, per currency"
            hint="Only checkouts in these currencies can use it."
            rows={form.amounts}
            onChange={set("amounts")}
            error={errors.amounts}
          />
        )}
        {form.kind === "percentage" && (
          <Box display="flex" flexDirection="column" gap={3}>
            <Box __maxWidth="240px">{text("percentage", "Percentage off", "e.g. 10 for 10%")}</Box>
            <AmountsEditor
              id="reward-max_amounts"
              label="Largest discount, per currency"
              hint="optional caps"
              rows={form.max_amounts}
              onChange={set("max_amounts")}
              error={errors.max_amounts}
            />
          </Box>
        )}
        {form.kind === "product" && <Box __maxWidth="420px">{text("variant_id", "Saleor variant id", "the product variant given for free")}</Box>}
        {form.kind === "free_shipping" && (
          <Text size={3} color="default2">
            The checkout's shipping becomes free.
          </Text>
        )}
        {form.kind === "partner" && (
          <Text size={3} color="default2">
            Shoppers get a code from your partner's pool; upload the codes after saving.
          </Text>
        )}

        <AmountsEditor
          id="reward-min_order_amounts"
          label="Minimum order, per currency"
          hint="optional"
          rows={form.min_order_amounts}
          onChange={set("min_order_amounts")}
          error={errors.min_order_amounts}
        />
        <Box display="grid" gap={4} __gridTemplateColumns="repeat(auto-fill, minmax(220px, 1fr))">
          {text("starts_at", "Available from", "optional", "datetime-local")}
          {text("ends_at", "Available until", "optional", "datetime-local")}
          {text("per_member_limit", "Limit per member", "empty = no limit")}
          {text("stock", "Stock", "empty = unlimited")}
        </Box>
        <Checkbox id="reward-is_active" checked={form.is_active} onCheckedChange={(checked) => set("is_active")(checked === true)}>
          <Text size={3}>Offered to shoppers</Text>
        </Checkbox>

        {submit.error && (unplaced.length > 0 || Object.keys(errors).length === 0) && <ErrorNotice error={submit.error} />}
        <Box display="flex" gap={2}>
          <Button type="submit" variant="primary" disabled={submit.busy} data-testid="reward-save">
            {submit.busy ? "Saving…" : reward ? "Save reward" : "Create reward"}
          </Button>
          <Button type="button" variant="secondary" onClick={onClose}>
            Cancel
          </Button>
        </Box>
      </Box>
      {reward?.kind === "partner" && (
        <Box borderTopWidth={1} borderTopStyle="solid" borderColor="default1" paddingTop={4}>
          <PartnerCodes
            reward={reward}
            onUploaded={(result) => onSaved({ ...reward, codes_total: result.codes_total, codes_free: result.codes_free })}
          />
        </Box>
      )}
    </Card>
  );
}
