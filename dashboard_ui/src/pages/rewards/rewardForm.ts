import type { Amounts, Reward, RewardIn, RewardKind } from "../../api/types";
import { trimDecimal } from "../../format";
import { isoToLocal, localToIso } from "../../dates";

export interface AmountRow {
  currency: string;
  amount: string;
}

export interface RewardFormState {
  name: string;
  description: string;
  kind: RewardKind;
  points_cost: string;
  amounts: AmountRow[];
  percentage: string;
  max_amounts: AmountRow[];
  variant_id: string;
  min_order_amounts: AmountRow[];
  starts_at: string;
  ends_at: string;
  per_member_limit: string;
  stock: string;
  is_active: boolean;
  /** Not edited here (no tiers yet), but kept: PUT replaces the whole reward. */
  tier_required: string | null;
}

export const KINDS: { value: RewardKind; label: string }[] = [
  { value: "fixed_amount", label: "Fixed amount off" },
  { value: "percentage", label: "Percentage off" },
  { value: "free_shipping", label: "Free shipping" },
  { value: "product", label: "Free product" },
  { value: "partner", label: "Partner code" },
];

export const kindLabel = (kind: RewardKind): string => KINDS.find((k) => k.value === kind)?.label ?? kind;

export const EMPTY_REWARD: RewardFormState = {
  name: "",
  description: "",
  kind: "fixed_amount",
  points_cost: "",
  amounts: [{ currency: "USD", amount: "" }],
  percentage: "",
  max_amounts: [],
  variant_id: "",
  min_order_amounts: [],
  starts_at: "",
  ends_at: "",
  per_member_limit: "",
  stock: "",
  is_active: true,
  tier_required: null,
};

const rows = (amounts: Amounts): AmountRow[] =>
  Object.entries(amounts).map(([currency, amount]) => ({ currency, amount: trimDecimal(amount) }));

export function fromReward(reward: Reward): RewardFormState {
  return {
    name: reward.name,
    description: reward.description ?? "",
    kind: reward.kind,
    points_cost: String(reward.points_cost),
    amounts: rows(reward.amounts),
    percentage: trimDecimal(reward.percentage),
    max_amounts: rows(reward.max_amounts),
    variant_id: reward.variant_id ?? "",
    min_order_amounts: rows(reward.min_order_amounts),
    starts_at: isoToLocal(reward.starts_at),
    ends_at: isoToLocal(reward.ends_at),
    per_member_limit: reward.per_member_limit === null ? "" : String(reward.per_member_limit),
    stock: reward.stock === null ? "" : String(reward.stock),
    is_active: reward.is_active,
    tier_required: reward.tier_required,
  };
}

function toAmounts(list: AmountRow[]): Amounts {
  const amounts: Amounts = {};
  for (const row of list) {
    const currency = row.currency.trim().toUpperCase();
    const amount = row.amount.trim();
    if (currency || amount) amounts[currency] = amount;
  }
  return amounts;
}

/** Whole numbers as numbers; anything else as typed, for the server to name the problem. */
function integer(value: string): number | string | null {
  const text = value.trim();
  if (!text) return null;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/** The body of POST/PUT /api/admin/rewards: only the fields the kind uses carry values. */
export function toRewardIn(form: RewardFormState): RewardIn {
  return {
    name: form.name,
    description: form.description.trim() || null,
    kind: form.kind,
    points_cost: integer(form.points_cost) ?? "",
    amounts: form.kind === "fixed_amount" ? toAmounts(form.amounts) : {},
    percentage: form.kind === "percentage" ? form.percentage.trim() || null : null,
    max_amounts: form.kind === "percentage" ? toAmounts(form.max_amounts) : {},
    variant_id: form.kind === "product" ? form.variant_id.trim() || null : null,
    min_order_amounts: toAmounts(form.min_order_amounts),
    starts_at: localToIso(form.starts_at),
    ends_at: localToIso(form.ends_at),
    per_member_limit: integer(form.per_member_limit),
    stock: integer(form.stock),
    is_active: form.is_active,
    tier_required: form.tier_required,
  };
}
