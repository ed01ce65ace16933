// One typed function per admin route (app/api/admin.py, admin_members.py, admin_kpis.py, admin_outbox.py).
import type { ApiClient } from "./client";
import type {
  AdjustmentIn,
  AdjustmentResult,
  ChannelRule,
  ChannelRuleIn,
  DeadLetterRetry,
  KpiSection,
  Kpis,
  MemberDetail,
  MemberSort,
  MembersPage,
  Multiplier,
  MultiplierIn,
  OutboxProblems,
  PartnerCodesResult,
  Period,
  ProgramChanges,
  ProgramSettings,
  Reward,
  RewardIn,
  StaffRedemption,
} from "./types";

export interface MemberQuery {
  search?: string;
  sort?: MemberSort;
  descending?: boolean;
  page?: number;
  page_size?: number;
}

export interface RedemptionQuery {
  member_id?: number;
  flagged?: boolean;
  status?: string;
  limit?: number;
}

const enc = encodeURIComponent;

export function createApi(client: ApiClient) {
  return {
    // KPIs
    kpis: (period: Period) => client.get<Kpis>("/api/admin/kpis", { from: period.from, to: period.to }),
    downloadKpis: (section: KpiSection, period: Period) =>
      client.download(
        "/api/admin/kpis.csv",
        { section, from: period.from, to: period.to },
        `lojal-${section}-${period.from}-${period.to}.csv`,
      ),

    // members
    members: (query: MemberQuery) => client.get<MembersPage>("/api/admin/members", { ...query }),
    member: (id: number, cursor?: string) =>
      client.get<MemberDetail>(`/api/admin/members/${id}`, { cursor }),
    memberByCustomer: (customerId: string) =>
      client.get<MemberDetail>(`/api/admin/members/by-customer/${enc(customerId)}`),
    adjust: (id: number, body: AdjustmentIn) =>
      client.write<AdjustmentResult>("POST", `/api/admin/members/${id}/adjustments`, body),
    enrol: (id: number) => client.write<MemberDetail>("POST", `/api/admin/members/${id}/enrol`),
    unenrol: (id: number) => client.write<MemberDetail>("POST", `/api/admin/members/${id}/unenrol`),
    exportMember: (id: number) =>
      client.download(`/api/admin/members/${id}/export`, undefined, `lojal-member-${id}.json`),
    erase: (id: number) => client.write<void>("POST", `/api/admin/members/${id}/erase`),

    // program
    program: () => client.get<ProgramSettings>("/api/admin/program"),
    updateProgram: (changes: ProgramChanges) =>
      client.write<ProgramSettings>("PUT", "/api/admin/program", changes),
    putChannel: (slug: string, body: ChannelRuleIn) =>
      client.write<ChannelRule>("PUT", `/api/admin/program/channels/${enc(slug)}`, body),
    deleteChannel: (slug: string) =>
      client.write<void>("DELETE", `/api/admin/program/channels/${enc(slug)}`),
    addMultiplier: (body: MultiplierIn) =>
      client.write<Multiplier>("POST", "/api/admin/program/multipliers", body),
    deleteMultiplier: (id: number) => client.write<void>("DELETE", `/api/admin/program/multipliers/${id}`),

    // rewards
    rewards: () => client.get<Reward[]>("/api/admin/rewards"),
    createReward: (body: RewardIn) => client.write<Reward>("POST", "/api/admin/rewards", body),
    updateReward: (id: number, body: RewardIn) => client.write<Reward>("PUT", `/api/admin/rewards/${id}`, body),
    deactivateReward: (id: number) => client.write<void>("DELETE", `/api/admin/rewards/${id}`),
    addCodes: (id: number, codes: string[]) =>
      client.write<PartnerCodesResult>("POST", `/api/admin/rewards/${id}/codes`, { codes }),

    // redemptions
    redemptions: (query: RedemptionQuery) =>
      client.get<StaffRedemption[]>("/api/admin/redemptions", { ...query }),

    // messages to Saleor that are not getting through
    outboxProblems: (limit = 100) => client.get<OutboxProblems>("/api/admin/outbox/dead-letters", { limit }),
    retryDeadLetter: (id: number) =>
      client.write<DeadLetterRetry>("POST", `/api/admin/outbox/dead-letters/${id}/retry`),
  };
}

export type Api = ReturnType<typeof createApi>;
