import { useState } from "react";

import type { Period } from "../../api/types";
import { useApi } from "../../bridge/services";
import { Card } from "../../components/Card";
import { DownloadButton } from "../../components/DownloadButton";
import { PageStack } from "../../components/Layout";
import { LoadingBlock } from "../../components/Loading";
import { ErrorNotice } from "../../components/Notice";
import { useResource } from "../../hooks/useResource";
import { CurrencySection } from "./CurrencySection";
import { DailyCharts } from "./DailyCharts";
import { KpiCards } from "./KpiCards";
import { lastDays, type Preset } from "./period";
import { PeriodPicker } from "./PeriodPicker";
import { RewardPerformance } from "./RewardPerformance";

export function OverviewPage() {
  const api = useApi();
  const [preset, setPreset] = useState<Preset>(30);
  const [period, setPeriod] = useState<Period>(() => lastDays(30));
  const kpis = useResource(() => api.kpis(period), [api, period.from, period.to]);
  const csv = (section: "summary" | "daily" | "currencies" | "rewards") => () => api.downloadKpis(section, period);

  return (
    <PageStack>
      <PeriodPicker
        preset={preset}
        period={period}
        onChange={(nextPreset, nextPeriod) => {
          setPreset(nextPreset);
          setPeriod(nextPeriod);
        }}
      />
      {kpis.error && <ErrorNotice error={kpis.error} onRetry={kpis.reload} />}
      {!kpis.data && !kpis.error && <LoadingBlock lines={6} />}
      {kpis.data && (
        <>
          <Card
            testId="section-summary"
            title="Members and points"
            description="Points are counted store-wide; money is shown per currency."
            actions={<DownloadButton label="Download CSV" testId="csv-summary" download={csv("summary")} />}
          >
            <KpiCards kpis={kpis.data} />
          </Card>
          <Card
            testId="section-daily"
            title="Day by day"
            actions={<DownloadButton label="Download CSV" testId="csv-daily" download={csv("daily")} />}
          >
            <DailyCharts daily={kpis.data.daily} />
          </Card>
          <Card
            testId="section-currencies"
            title="Members and other customers, per currency"
            description="Average order value (AOV), spend and lifetime value. Each channel's currency stands alone: nothing is converted."
            actions={<DownloadButton label="Download CSV" testId="csv-currencies" download={csv("currencies")} />}
          >
            <CurrencySection currencies={kpis.data.currencies} />
          </Card>
          <Card
            testId="section-rewards"
            title="Reward performance"
            description="All-time redemptions of each catalog reward."
            actions={<DownloadButton label="Download CSV" testId="csv-rewards" download={csv("rewards")} />}
          >
            <RewardPerformance rewards={kpis.data.rewards} />
          </Card>
        </>
      )}
    </PageStack>
  );
}
