import { Box, Text } from "@saleor/macaw-ui";
import type { ReactNode } from "react";

export interface Column<T> {
  key: string;
  header: ReactNode;
  render: (row: T) => ReactNode;
  align?: "left" | "right";
  width?: string;
  /** Set on the column the rows are sorted by (aria-sort on its header). */
  sorted?: "ascending" | "descending";
}

/** A plain table in the Dashboard's style: quiet header, row dividers, numbers right-aligned. */
export function DataTable<T>({
  rows,
  columns,
  rowKey,
  onRowClick,
  empty,
  testId,
  caption,
}: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string | number;
  onRowClick?: (row: T) => void;
  empty?: ReactNode;
  testId?: string;
  caption?: string;
}) {
  if (rows.length === 0 && empty) {
    return (
      <Box paddingY={4} data-testid={testId ? `${testId}-empty` : undefined}>
        <Text size={3} color="default2">
          {empty}
        </Text>
      </Box>
    );
  }
  return (
    <Box overflowX="auto" width="100%">
      <Box as="table" width="100%" borderCollapse="collapse" data-testid={testId}>
        {caption && (
          <caption style={{ position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)" }}>
            {caption}
          </caption>
        )}
        <thead>
          <tr>
            {columns.map((column) => (
              <Box
                as="th"
                key={column.key}
                textAlign={column.align ?? "left"}
                paddingY={2}
                paddingX={2}
                borderBottomWidth={1}
                borderBottomStyle="solid"
                borderColor="default1"
                __width={column.width}
                scope="col"
                aria-sort={column.sorted}
              >
                <Text size={2} color="default2" fontWeight="medium">
                  {column.header}
                </Text>
              </Box>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <Box
              as="tr"
              key={rowKey(row)}
              cursor={onRowClick ? "pointer" : undefined}
              backgroundColor={onRowClick ? { default: "default1", hover: "default1Hovered" } : undefined}
              onClick={onRowClick ? () => onRowClick(row) : undefined}
              data-testid={testId ? `${testId}-row` : undefined}
            >
              {columns.map((column) => (
                <Box
                  as="td"
                  key={column.key}
                  textAlign={column.align ?? "left"}
                  paddingY={2}
                  paddingX={2}
                  borderBottomWidth={1}
                  borderBottomStyle="solid"
                  borderColor="default1"
                  data-column={column.key}
                >
                  <Text size={3}>{column.render(row)}</Text>
                </Box>
              ))}
            </Box>
          ))}
        </tbody>
      </Box>
    </Box>
  );
}
