import { ChartFrame } from "./ChartFrame";
import { type ChartSeries, chartColors, labelIndexes, niceScale } from "./palette";

export interface LineSeries extends ChartSeries {
  values: number[];
  area?: boolean;
}

const PAD = { top: 12, right: 16, bottom: 28, left: 56 };

/** A daily line chart drawn as inline SVG: one line (optionally filled) and one dot per day per series. */
export function LineChart({
  title,
  labels,
  series,
  testId,
  formatValue,
  formatLabel,
  describe,
  width: WIDTH = 960,
  height: HEIGHT = 260,
}: {
  title: string;
  labels: string[];
  series: LineSeries[];
  testId: string;
  formatValue: (value: number) => string;
  formatLabel: (label: string) => string;
  describe: (series: LineSeries, label: string, value: number) => string;
  /** Size of the drawing (it scales to the width it gets; text keeps this proportion). */
  width?: number;
  height?: number;
}) {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const ticks = niceScale(Math.max(0, ...series.flatMap((s) => s.values)));
  const top = ticks[ticks.length - 1] ?? 1;
  const x = (index: number) =>
    PAD.left + (labels.length <= 1 ? plotWidth / 2 : (index * plotWidth) / (labels.length - 1));
  const y = (value: number) => PAD.top + plotHeight - (Math.max(0, value) / top) * plotHeight;
  const shown = labelIndexes(labels.length);
  const baseline = PAD.top + plotHeight;

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
      {labels.map((label, index) =>
        shown.has(index) ? (
          <text
            key={label}
            x={x(index)}
            y={HEIGHT - 8}
            textAnchor={index === 0 ? "start" : index === labels.length - 1 ? "end" : "middle"}
            style={{ fill: chartColors.axis, fontSize: 11 }}
          >
            {formatLabel(label)}
          </text>
        ) : null,
      )}
      {series.map((line) => {
        const points = line.values.map((value, index) => `${x(index)},${y(value)}`);
        const path = `M${points.join(" L")}`;
        return (
          <g key={line.key} data-series={line.key}>
            {line.area && labels.length > 1 && (
              <path
                d={`${path} L${x(labels.length - 1)},${baseline} L${x(0)},${baseline} Z`}
                style={{ fill: line.color, fillOpacity: 0.12, stroke: "none" }}
              />
            )}
            <path d={path} style={{ fill: "none", stroke: line.color, strokeWidth: 2, strokeLinejoin: "round" }} />
            {line.values.map((value, index) => (
              <circle
                key={labels[index] ?? index}
                cx={x(index)}
                cy={y(value)}
                r={labels.length > 60 ? 1.5 : 3}
                data-point={line.key}
                data-day={labels[index]}
                data-value={value}
                style={{ fill: line.color }}
              >
                <title>{describe(line, labels[index] ?? "", value)}</title>
              </circle>
            ))}
          </g>
        );
      })}
    </ChartFrame>
  );
}
