import { type AppBridge, AppBridgeProvider } from "@saleor/app-sdk/app-bridge";
import { ThemeProvider } from "@saleor/macaw-ui";

import { HandshakeGate } from "./bridge/HandshakeGate";
import { type DashboardTheme, macawTheme } from "./bridge/launch";
import { LocaleProvider } from "./bridge/locale";
import { ServicesProvider } from "./bridge/services";
import { ThemeSync } from "./bridge/ThemeSync";
import { LoyaltyLayout } from "./components/Layout";
import { CustomerPage } from "./pages/customer/CustomerPage";
import { MemberPage } from "./pages/member/MemberPage";
import { MembersPage } from "./pages/members/MembersPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { OverviewPage } from "./pages/overview/OverviewPage";
import { ProgramPage } from "./pages/program/ProgramPage";
import { RewardsPage } from "./pages/rewards/RewardsPage";
import { SyncPage } from "./pages/sync/SyncPage";
import { useRoute } from "./router";

export function App({ appBridge, initialTheme }: { appBridge: AppBridge; initialTheme: DashboardTheme }) {
  return (
    <AppBridgeProvider appBridgeInstance={appBridge}>
      <ThemeProvider defaultTheme={macawTheme(initialTheme)}>
        <ThemeSync />
        <HandshakeGate>
          <ServicesProvider appBridge={appBridge}>
            <LocaleProvider appBridge={appBridge}>
              <Routes />
            </LocaleProvider>
          </ServicesProvider>
        </HandshakeGate>
      </ThemeProvider>
    </AppBridgeProvider>
  );
}

function Routes() {
  const route = useRoute();
  if (route.name === "customer") return <CustomerPage customerId={route.customerId} />;
  return (
    <LoyaltyLayout route={route}>
      {route.name === "overview" && <OverviewPage />}
      {route.name === "members" && <MembersPage />}
      {route.name === "member" && <MemberPage key={route.id} memberId={route.id} />}
      {route.name === "program" && <ProgramPage />}
      {route.name === "rewards" && <RewardsPage />}
      {route.name === "sync" && <SyncPage />}
      {route.name === "notFound" && <NotFoundPage />}
    </LoyaltyLayout>
  );
}
