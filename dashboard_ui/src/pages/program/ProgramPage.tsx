import { useApi } from "../../bridge/services";
import { PageStack } from "../../components/Layout";
import { LoadingBlock } from "../../components/Loading";
import { ErrorNotice } from "../../components/Notice";
import { useResource } from "../../hooks/useResource";
import { ChannelRules } from "./ChannelRules";
import { Multipliers } from "./Multipliers";
import { ProgramForm } from "./ProgramForm";

export function ProgramPage() {
  const api = useApi();
  const settings = useResource(() => api.program(), [api]);
  return (
    <PageStack>
      {settings.error && <ErrorNotice error={settings.error} onRetry={settings.reload} />}
      {!settings.data && !settings.error && <LoadingBlock lines={8} />}
      {settings.data && (
        <>
          <ProgramForm settings={settings.data} onSaved={settings.setData} />
          <ChannelRules rules={settings.data.channels} onChanged={settings.reload} />
          <Multipliers multipliers={settings.data.multipliers} onChanged={settings.reload} />
        </>
      )}
    </PageStack>
  );
}
