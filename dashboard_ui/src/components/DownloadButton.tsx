import { Button } from "@saleor/macaw-ui";
import { Download } from "lucide-react";
import { useState } from "react";

import { useNotify } from "../bridge/services";
import { asApiError } from "../hooks/useResource";

/** Fetches a file with the Dashboard's auth headers and saves it (a plain link would have none). */
export function DownloadButton({
  label,
  download,
  testId,
}: {
  label: string;
  download: () => Promise<string>;
  testId?: string;
}) {
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="secondary"
      size="small"
      icon={<Download size={14} />}
      disabled={busy}
      data-testid={testId}
      onClick={async () => {
        setBusy(true);
        try {
          await download();
        } catch (error) {
          notify("error", "Download failed", asApiError(error).summary);
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy ? "Preparing…" : label}
    </Button>
  );
}
