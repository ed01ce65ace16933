import { ChartFrame } from "./ChartFrame";
import { type ChartSeries, chartColors, labelIndexes, niceScale } from "./palette";

export interface BarGroup {
  label: string;
  values: number[]; // one per series, in the order of `series`
}

const PAD = { top: 12, right: 16, bottom: 28, left: 64 };

/** Grouped bars drawn as inline SVG: one bar per group per series (zero-height for zero). */
export function BarChart({
  title,
  groups,
  series,
  testId,
  formatValue,
  formatLabel = (label) => label,
  describe,
  maxLabels = 8,
  width: WIDTH = 960,
  height: HEIGHT = 260,
}: {
  title: string;
  groups: BarGroup[];
  series: ChartSeries[];
  testId: string;
  formatValue: (value: number) => string;
  formatLabel?: (label: string) => string;
  describe: (series: ChartSeries, group: BarGroup, value: number) => string;
  maxLabels?: number;
  /** Size of the drawing (it scales to the width it gets; text keeps this proportion). */
  width?: number;
  height?: number;
}) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const ticks = niceScale(Math.max(0, ...groups.flatMap((group) => group.values)));
  const top = ticks[ticks.length - 1] ?? 1;
  const slot = plotWidth / Math.max(groups.length, 1);
  const barWidth = Math.max(1, Math.min(28, (slot * 0.76) / Math.max(series.length, 1)));
  const y = (value: number) => PAD.top + plotHeight - (Math.max(0, value) / top) * plotHeight;
  const shown = labelIndexes(groups.length, maxLabels);

  return (
    <ChartFrame
      title={title}
      testId={testId}
      width={WIDTH}
      height={HEIGHT}
      left={PAD.left}
      right={WIDTH - PAD.right}
      ticks={ticks}
      y={y}
      formatValue={formatValue}
      series={series}
    >
      {groups.map((group, groupIndex) => {
        const center = PAD.left + slot * groupIndex + slot / 2;
        const start = center - (barWidth * series.length) / 2;
        return (
          <g key={`${group.label}-${groupIndex}`} data-group={group.label}>
            {series.map((item, seriesIndex) => {
              const value = group.values[seriesIndex] ?? 0;
              return (
                <rect
                  key={item.key}
                  x={start + seriesIndex * barWidth}
                  y={y(value)}
                  width={Math.max(barWidth - 1, 1)}
                  height={Math.max(0, PAD.top + plotHeight - y(value))}
                  rx={Math.min(3, barWidth / 4)}
                  data-bar={item.key}
                  data-value={value}
                  style={{ fill: item.color }}
                >
                  <title>{describe(item, group, value)}</title>
                </rect>
              );
            })}
            {shown.has(groupIndex) && (
              <text x={center} y={HEIGHT - 8} textAnchor="middle" style={{ fill: chartColors.axis, fontSize: 11 }}>
                {formatLabel(group.label)}
              </text>
            )}
          </g>
        );
      })}
    </ChartFrame>
  );
}
