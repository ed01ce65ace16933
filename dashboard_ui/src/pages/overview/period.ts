import type { Period } from "../../api/types";

export type Preset = 7 | 30 | 90 | "custom";

const DAY_MS = 86_400_000;

export const isoDay = (date: Date): string => date.toISOString().slice(0, 10);

/** The last `days` UTC days, today included (the API counts whole UTC days, both ends included). */
export function lastDays(days: number, now: Date = new Date()): Period {
  return { from: isoDay(new Date(now.getTime() - (days - 1) * DAY_MS)), to: isoDay(now) };
}
