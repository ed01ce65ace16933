import { Box } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

import { Legend } from "./Legend";
import { type ChartSeries, chartColors } from "./palette";

/** What every chart shares: the accessible SVG, the horizontal grid with its value labels, the legend. */
export function ChartFrame({
  title,
  testId,
  width,
  height,
  left,
  right,
  ticks,
  y,
  formatValue,
  series,
  children,
}: {
  title: string;
  testId: string;
  width: number;
  height: number;
  /** x where the plot starts (value labels sit left of it) and ends */
  left: number;
  right: number;
  ticks: number[];
  y: (value: number) => number;
  formatValue: (value: number) => string;
  series: ChartSeries[];
  children: ReactNode;
}) {
  return (
    <Box display="flex" flexDirection="column" gap={2}>
      <svg
        role="img"
        aria-label={title}
        data-testid={testId}
        viewBox={`0 0 ${width} ${height}`}
        style={{ width: "100%", height: "auto", display: "block", overflow: "visible" }}
      >
        <title>{title}</title>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={left} x2={right} y1={y(tick)} y2={y(tick)} style={{ stroke: chartColors.grid }} />
            <text
              x={left - 8}
              y={y(tick)}
              textAnchor="end"
              dominantBaseline="middle"
              style={{ fill: chartColors.axis, fontSize: 11 }}
            >
              {formatValue(tick)}
            </text>
          </g>
        ))}
        {children}
      </svg>
      <Legend series={series} />
    </Box>
  );
}
