import type { Program } from "../../api/types";
import type { Choice } from "../../components/SelectField";
import { trimDecimal } from "../../format";

export type ProgramKey = keyof Omit<Program, "updated_at" | "updated_by">;
export type FormValue = string | boolean;
export type ProgramForm = Record<ProgramKey, FormValue>;

interface BaseField {
  key: ProgramKey;
  label: string;
  hint?: string;
}
export type FieldSpec =
  | (BaseField & { kind: "decimal" | "int" })
  | (BaseField & { kind: "bool" })
  | (BaseField & { kind: "choice"; options: Choice<string>[] });

export const EARNING_FIELDS: FieldSpec[] = [
  { key: "default_points_per_unit", kind: "decimal", label: "Points per unit of currency", hint: "1 = one point per 1.00 spent (channels may differ)" },
  { key: "default_point_value", kind: "decimal", label: "Value of one point", hint: "in the channel's currency when spent, e.g. 0.01" },
  {
    key: "rounding",
    kind: "choice",
    label: "Rounding",
    options: [
      { value: "floor", label: "Round down" },
      { value: "half_up", label: "Round half up" },
    ],
  },
  {
    key: "earn_trigger",
    kind: "choice",
    label: "Orders earn when",
    options: [
      { value: "order_fully_paid", label: "they are fully paid" },
      { value: "order_fulfilled", label: "they are fulfilled" },
    ],
  },
  { key: "hold_days", kind: "int", label: "Return window (days)", hint: "points stay pending this long (0–365)" },
  { key: "welcome_bonus_points", kind: "int", label: "Welcome bonus (points)", hint: "for a new customer account; 0 = none" },
  {
    key: "enrolment",
    kind: "choice",
    label: "Who takes part",
    options: [
      { value: "automatic", label: "Every customer" },
      { value: "opt_in", label: "Customers who opt in" },
    ],
  },
  {
    key: "reversal_policy",
    kind: "choice",
    label: "Refunded points already spent",
    options: [
      { value: "allow_negative", label: "Let the balance go negative" },
      { value: "clamp", label: "Take back only what is left" },
    ],
  },
  { key: "include_shipping", kind: "bool", label: "Shipping earns points" },
  { key: "include_tax", kind: "bool", label: "Tax earns points" },
];

export const REDEMPTION_FIELDS: FieldSpec[] = [
  { key: "redeem_min_points", kind: "int", label: "Minimum points per redemption" },
  { key: "redeem_max_share_percent", kind: "int", label: "Maximum share of the subtotal (%)", hint: "1–100" },
  { key: "redemptions_per_checkout", kind: "int", label: "Loyalty discounts per checkout", hint: "1–5" },
  { key: "hold_ttl_minutes", kind: "int", label: "Release unused points after (minutes)", hint: "a checkout that never becomes an order" },
  { key: "redeem_attempts_per_10_minutes", kind: "int", label: "Redemption attempts per 10 minutes" },
];

const ALL = [...EARNING_FIELDS, ...REDEMPTION_FIELDS];

export function toForm(program: Program): ProgramForm {
  const form = {} as ProgramForm;
  for (const field of ALL) {
    const value = program[field.key];
    form[field.key] = field.kind === "bool" ? Boolean(value) : field.kind === "decimal" ? trimDecimal(String(value)) : String(value);
  }
  return form;
}

/** Only what changed, typed as the API wants it; anything unparseable goes as typed for the server to name. */
export function changes(initial: ProgramForm, current: ProgramForm): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const field of ALL) {
    const before = initial[field.key];
    const after = current[field.key];
    if (before === after) continue;
    if (field.kind === "int" && typeof after === "string") {
      const text = after.trim();
      changed[field.key] = /^-?\d+$/.test(text) ? Number(text) : text;
    } else if (typeof after === "string") {
      changed[field.key] = after.trim();
    } else {
      changed[field.key] = after;
    }
  }
  return changed;
}
