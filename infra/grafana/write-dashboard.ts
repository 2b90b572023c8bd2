import { writeFileSync } from 'node:fs';
import { DASHBOARD_FILE, dashboardJson } from './dashboard-panels';

/** Writes infra/grafana/dashboards/reelstream.json from dashboard-panels.ts (`npm run grafana:dashboard`). */
writeFileSync(DASHBOARD_FILE, `${JSON.stringify(dashboardJson(), null, 2)}\n`);
console.log(`wrote ${DASHBOARD_FILE}`);
