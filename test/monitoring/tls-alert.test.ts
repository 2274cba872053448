/**
 * The generated certificate-expiry alert fires, under promtool's rule unit
 * tests, for a certificate with less than 14 days left and not for one with
 * plenty.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { alertRulesYaml, alertThresholds } from "../../src/plan/monitoring/rules.js";

test("EdgeformTlsCertificateExpiringSoon fires for a certificate that expires within 14 days", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeform-tls-alert-"));
  try {
    writeFileSync(join(dir, "rules.yml"), alertRulesYaml({ prefix: "shop", thresholds: alertThresholds(undefined), caches: [], scrapeIntervalMs: 15_000 }));
    const series = (certificate: string, value: number) => ({ series: `edgeform_tls_certificate_expiry_seconds{listener="websecure",certificate="${certificate}"}`, values: `${value}x40` });
    writeFileSync(join(dir, "test.yml"), stringify({
      rule_files: ["rules.yml"],
      evaluation_interval: "1m",
      tests: [{
        interval: "1m",
        input_series: [series("soon.pem", 5 * 86_400), series("later.pem", 90 * 86_400)],
        alert_rule_test: [
          { eval_time: "5m", alertname: "EdgeformTlsCertificateExpiringSoon", exp_alerts: [] },
          {
            eval_time: "20m",
            alertname: "EdgeformTlsCertificateExpiringSoon",
            exp_alerts: [{
              exp_labels: { severity: "warning", topology: "shop", listener: "websecure", certificate: "soon.pem" },
              exp_annotations: {
                summary: "The certificate soon.pem of listener websecure expires within 14 days",
                description: "It expires in 4d 23h 40m 0s; renew it or check why automatic renewal did not.",
                runbook: 'Open the Grafana dashboard "edgeform: shop", panel "TLS certificates: days to expiry". Replace the certificate file or secret of listener websecure (the proxy picks it up without a restart).',
              },
            }],
          },
        ],
      }],
    }));
    const r = spawnSync("promtool", ["test", "rules", join(dir, "test.yml")], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
