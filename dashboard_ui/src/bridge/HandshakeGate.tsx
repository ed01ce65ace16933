import { useAppBridge } from "@saleor/app-sdk/app-bridge";
import { Box, Skeleton, Text } from "@saleor/macaw-ui";
import { type ReactNode, useEffect, useState } from "react";

import { StandalonePage } from "../pages/standalone/StandalonePage";

const HANDSHAKE_TIMEOUT_MS = 6000;

/**
 * Nothing can be fetched before the Dashboard's `handshake` brings a token. The Dashboard sends it
 * twice (after notifyReady and on the iframe's load event); the first one opens the gate.
 */
export function HandshakeGate({ children }: { children: ReactNode }) {
  const { appBridge, appBridgeState } = useAppBridge();
  const [ready, setReady] = useState<boolean>(() => Boolean(appBridge?.getState().ready));
  const [gaveUp, setGaveUp] = useState(false);

  useEffect(() => {
    if (!appBridge) return undefined;
    if (appBridge.getState().ready) setReady(true);
    return appBridge.subscribe("handshake", () => setReady(true));
  }, [appBridge]);

  const isReady = ready || Boolean(appBridgeState?.ready);

  useEffect(() => {
    if (isReady) return undefined;
    const timer = window.setTimeout(() => setGaveUp(true), HANDSHAKE_TIMEOUT_MS);
    return () => window.clearTimeout(timer);
  }, [isReady]);

  if (isReady) return <>{children}</>;
  if (gaveUp) return <StandalonePage reason="no-handshake" />;
  return (
    <Box padding={6} display="flex" flexDirection="column" gap={3} data-testid="connecting">
      <Text size={3} color="default2">
        Connecting to the Saleor Dashboard…
      </Text>
      <Skeleton height={10} />
      <Skeleton height={10} />
    </Box>
  );
}
