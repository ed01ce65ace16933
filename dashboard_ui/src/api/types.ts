// The admin API's JSON, as app/*/schemas.py describe it. Decimals arrive as strings, times as ISO 8601.

export type Decimal = string;
export type IsoDateTime = string;
export type IsoDate = string;

// --- program (app/earning/schemas.py) -------------------------------------------------------------
export type Rounding = "floor" | "half_up";
export type EarnTrigger = "order_fully_paid" | "order_fulfilled";
export type Enrolment = "automatic" | "opt_in";
export type ReversalPolicy = "allow_negative" | "clamp";
export type MultiplierTarget = "product" | "category" | "collection";

export interface Program {
  default_points_per_unit: Decimal;
  default_point_value: Decimal;
  rounding: Rounding;
  include_shipping: boolean;
  include_tax: boolean;
  earn_trigger: EarnTrigger;
  hold_days: number;
  enrolment: Enrolment;
  welcome_bonus_points: number;
  reversal_policy: ReversalPolicy;
  redeem_max_share_percent: number;
  redeem_min_points: number;
  redemptions_per_checkout: number;
  hold_ttl_minutes: number;
  redeem_attempts_per_10_minutes: number;
  updated_at: IsoDateTime;
  updated_by: string | null;
}

/** What PUT /api/admin/program accepts: only the fields sent change. Values the server validates. */
export type ProgramChanges = Partial<Record<keyof Omit<Program, "updated_at" | "updated_by">, unknown>>;

export interface ChannelRuleIn {
  currency: string;
  points_per_unit: Decimal;
  point_value: Decimal;
  min_order_amount: Decimal;
  bonus_threshold_amount: Decimal | null;
  bonus_points: number | string;
}

export interface ChannelRule extends ChannelRuleIn {
  channel_slug: string;
  bonus_points: number;
  updated_at: IsoDateTime;
}

export interface MultiplierIn {
  name: string;
  target_type: MultiplierTarget;
  target: string;
  factor: Decimal;
  starts_at: IsoDateTime | null;
  ends_at: IsoDateTime | null;
  is_active: boolean;
}

export interface Multiplier extends MultiplierIn {
  id: number;
  created_at: IsoDateTime;
}

export interface ProgramSettings {
  program: Program;
  channels: ChannelRule[];
  multipliers: Multiplier[];
}

// --- rewards (app/rewards/schemas.py) ---------------------------------------------------------------
export type RewardKind = "fixed_amount" | "percentage" | "free_shipping" | "product" | "partner";

/** Amounts per currency: {"USD": "5.00"}. */
export type Amounts = Record<string, string>;

export interface RewardIn {
  name: string;
  description: string | null;
  kind: RewardKind;
  points_cost: number | string;
  amounts: Amounts;
  percentage: Decimal | null;
  max_amounts: Amounts;
  variant_id: string | null;
  min_order_amounts: Amounts;
  starts_at: IsoDateTime | null;
  ends_at: IsoDateTime | null;
  per_member_limit: number | string | null;
  stock: number | string | null;
  is_active: boolean;
  tier_required: string | null;
}

export interface Reward extends RewardIn {
  id: number;
  points_cost: number;
  per_member_limit: number | null;
  stock: number | null;
  created_at: IsoDateTime;
  updated_at: IsoDateTime;
  codes_total: number | null;
  codes_free: number | null;
}

export interface PartnerCodesResult {
  added: number;
  skipped: number;
  codes_total: number;
  codes_free: number;
}

// --- members (app/members/schemas.py) -------------------------------------------------------------
export interface Points {
  available: number;
  pending: number;
  held: number;
  lifetime_earned: number;
  lifetime_redeemed: number;
}

export interface StaffMember {
  id: number;
  saleor_user_id: string | null;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  enrolled: boolean;
  joined_at: IsoDateTime;
  enrolled_at: IsoDateTime | null;
  consent_at: IsoDateTime | null;
  opted_out_at: IsoDateTime | null;
  points: Points;
}

export type MemberSort =
  | "joined_at"
  | "email"
  | "points_available"
  | "points_earned_lifetime"
  | "points_redeemed_lifetime";

export interface MembersPage {
  total: number;
  page: number;
  page_size: number;
  members: StaffMember[];
}

export interface NextAvailable {
  points: number;
  available_at: IsoDateTime;
}

export interface HistoryEntry {
  id: number;
  kind: string;
  points: number;
  status: "pending" | "available";
  created_at: IsoDateTime;
  available_at: IsoDateTime;
  description: string;
  explanation: Record<string, unknown>;
  actor: string | null;
}

export interface StaffOrder {
  order_id: string;
  number: string | null;
  placed_at: IsoDateTime;
  status: string;
  explanation: string;
  points: number;
  points_reversed: number;
  available_at: IsoDateTime | null;
  currency: string;
  total: Decimal;
  refunded: Decimal;
}

export interface MemberDetail {
  member: StaffMember;
  next_available: NextAvailable[];
  history: HistoryEntry[];
  history_next_cursor: string | null;
  orders: StaffOrder[];
  tier: { name: string } | null;
}

export interface AdjustmentIn {
  points: number | string;
  reason: string;
  idempotency_key: string;
}

export interface AdjustmentResult {
  entry: HistoryEntry;
  member: StaffMember;
}

// --- redemptions (app/redemption/schemas.py) ------------------------------------------------------
export interface StaffRedemption {
  id: number;
  member_id: number;
  checkout_id: string | null;
  reward_id: number | null;
  kind: string;
  status: string;
  points: number;
  points_committed: number | null;
  currency: string | null;
  discount_amount: Decimal | null;
  discount_applied: Decimal | null;
  saleor_order_id: string | null;
  end_reason: string | null;
  flagged_reason: string | null;
  created_at: IsoDateTime;
  expires_at: IsoDateTime;
  ended_at: IsoDateTime | null;
}

// --- KPIs (app/analytics/schemas.py) ----------------------------------------------------------------
export interface CurrencyFigures {
  currency: string;
  orders_members: number;
  orders_others: number;
  aov_members: Decimal | null;
  aov_others: Decimal | null;
  spend_per_member: Decimal | null;
  spend_per_other_customer: Decimal | null;
  lifetime_value_per_member: Decimal | null;
  liability: Decimal;
}

export interface RewardFigures {
  reward_id: number;
  name: string;
  points_cost: number;
  redeemed: number;
  points_spent: number;
  open: number;
}

export interface DailyFigures {
  day: IsoDate;
  points_issued: number;
  points_redeemed: number;
  new_members: number;
  orders_members: number;
  orders_others: number;
}

export interface Kpis {
  start: IsoDateTime;
  end: IsoDateTime;
  members: number;
  members_enrolled: number;
  enrolment_rate: Decimal | null;
  new_members: number;
  active_members: number;
  points_issued: number;
  points_redeemed: number;
  points_reversed: number;
  points_expired: number;
  redemption_rate: Decimal | null;
  liability_points: number;
  repeat_purchase_rate: Decimal | null;
  retention_rate: Decimal | null;
  currencies: CurrencyFigures[];
  rewards: RewardFigures[];
  daily: DailyFigures[];
}

export type KpiSection = "summary" | "daily" | "currencies" | "rewards";

export interface Period {
  from: IsoDate;
  to: IsoDate;
}

// --- messages to Saleor (app/api/admin_outbox.py) ---------------------------------------------------
export type OutboxKind = "member_metadata" | "delete_voucher" | "check_hold" | (string & {});

/** What a message is about: a member, or a redemption (hold). */
export interface OutboxSubject {
  member_id?: number;
  hold_id?: number;
}

export interface DeadLetter {
  id: number;
  kind: OutboxKind;
  subject: OutboxSubject;
  attempts: number;
  created_at: IsoDateTime;
  dead_at: IsoDateTime;
  reason: string | null;
  /** A pending message doing the same work; this one is resolved when that one is sent. */
  queued_as: number | null;
}

export interface StuckMessage {
  id: number;
  kind: OutboxKind;
  subject: OutboxSubject;
  attempts: number;
  created_at: IsoDateTime;
  next_attempt_at: IsoDateTime;
  last_error: string | null;
}

export interface OutboxProblems {
  dead_letters: DeadLetter[];
  dead_letters_total: number;
  stuck: StuckMessage[];
  stuck_total: number;
  stuck_after: number;
}

export interface DeadLetterRetry {
  id: number;
  outcome: "requeued" | "merged";
  queued_as: number | null;
}
