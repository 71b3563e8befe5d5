/** On every console page: the server's health alerts (no scheduler sweeping, no worker alive). */
import { NavLink } from "react-router";
import { Ago } from "../common/Time";
import { alertSince, bannerAlerts, useHealth } from "./health";

const EVERY_MS = 10_000;

export function HealthBanner() {
  const { health } = useHealth(EVERY_MS);
  const alerts = bannerAlerts(health);
  if (!alerts.length) return null;
  return (
    <div className="fc-banner" role="alert" data-testid="health-banner">
      {alerts.map((a) => {
        const live = alertSince(a, health);
        return (
          <div key={a.code} className="fc-banner__line" data-testid="health-alert" data-code={a.code}>
            <span>{a.text}</span>
            {live && (
              <span className="fc-banner__live">
                {" "}({live.label} <Ago iso={live.iso} />)
              </span>
            )}
          </div>
        );
      })}
      <NavLink to="/console/health" className="fc-banner__link">Health</NavLink>
    </div>
  );
}
