import { vars } from "@saleor/macaw-ui";

// CSS variables of the macaw theme: the charts change colour with the Dashboard's theme, live.
export const chartColors = {
  primary: vars.colors.text.accent1,
  secondary: vars.colors.text.critical2,
  muted: vars.colors.text.default2,
  axis: vars.colors.text.default2,
  grid: vars.colors.border.default1,
  text: vars.colors.text.default1,
};

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
}

/** 0, a round maximum above `value`, and the steps between (for the y axis). */
export function niceScale(value: number, steps = 4): number[] {
  const max = Math.max(value, 1);
  const rough = max / steps;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  const stepRounded = Math.max(step, 1);
  return Array.from({ length: steps + 1 }, (_, index) => index * stepRounded);
}

/** Indexes of the x labels to print: about `wanted` of them, always the first and the last. */
export function labelIndexes(count: number, wanted = 6): Set<number> {
  if (count <= wanted) return new Set(Array.from({ length: count }, (_, index) => index));
  const every = Math.ceil((count - 1) / (wanted - 1));
  const picked = new Set<number>();
  for (let index = 0; index < count; index += every) picked.add(index);
  picked.add(count - 1);
  return picked;
}
