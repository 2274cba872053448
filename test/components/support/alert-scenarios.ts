/**
 * Scenarios for alert delivery (examples/alerting.yaml): Alertmanager on
 * Docker and on ECS, SNS for managed monitoring, and the whole CdnTopology,
 * each under Pulumi's mocks in a child process (see runner.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { Monitoring } from "../../../components/monitoring/index.js";
import { CdnTopology } from "../../../components/topology.js";
import { planDeployment } from "../../../src/plan/plan.js";
import { example, loadFixture, placement, type Scenario } from "./scenarios.js";

/** Receiver credentials of examples/alerting.yaml; tests check none appears outside a secret. */
export const ALERT_SECRET_VALUES = {
  pdKey: "pagerduty-routing-key-s3cr3t",
  slackHook: "https://hooks.slack.example/services/s3cr3t",
  smtpPassword: "smtp-password-s3cr3t",
} as const;

export const alertingPlan = (target: "local" | "prod" | "managed") => planDeployment(loadFixture(example("alerting.yaml")), target);

const alertPlacement = {
  ...placement,
  secretArns: { ...placement.secretArns, ...Object.fromEntries(Object.keys(ALERT_SECRET_VALUES).map((s) => [s, `arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgeform/alerting/${s}`])) },
};

const secrets = () => Object.fromEntries(Object.entries(ALERT_SECRET_VALUES).map(([k, v]) => [k, pulumi.secret(v)]));

function monitoring(target: "local" | "prod" | "managed", extra: Partial<ConstructorParameters<typeof Monitoring>[1]>): () => Promise<object> {
  return async () => {
    const plan = alertingPlan(target);
    const m = new Monitoring("t-mon", { monitoring: plan.monitoring, topology: plan.name, edgeAdminPort: plan.edge.adminPort, tags: plan.tags, ...extra });
    return { prometheusUrl: m.prometheusUrl, ...(m.alertmanagerUrl ? { alertmanagerUrl: m.alertmanagerUrl } : {}) };
  };
}

const aws = (managed: boolean) => ({ placement: alertPlacement, edgeSecurityGroupId: "sg-edge", configWriterImage: "edge@sha256:abc", managed });

/** The edge's /metrics token of the metrics-token scenarios; tests check it appears only inside secrets. */
export const METRICS_TOKEN_VALUE = "metrics-scrape-token-s3cr3t";

/** examples/alerting.yaml with edge.admin.metricsToken: the Prometheus edgeform runs must send it. */
export function tokenedTopology() {
  const topology = loadFixture(example("alerting.yaml"));
  return { ...topology, edge: { ...topology.edge, admin: { ...topology.edge.admin, metricsToken: { secret: "metricsScrape" } } } };
}

/** CdnTopology of tokenedTopology() on one target, with every secret it reads in the stack's config. */
function tokenedScenario(target: "local" | "prod"): Scenario {
  return {
    secretConfig: {
      ...Object.fromEntries(Object.entries(ALERT_SECRET_VALUES).map(([k, v]) => [`edgeform:${k}`, v])),
      "edgeform:metricsScrape": METRICS_TOKEN_VALUE,
    },
    program: async () => {
      const t = new CdnTopology("tokened", { spec: tokenedTopology(), target });
      return { publicUrls: t.publicUrls };
    },
  };
}

export const alertScenarios: Record<string, Scenario> = {
  "metrics-token-topology-aws": tokenedScenario("prod"),
  "metrics-token-topology-docker": tokenedScenario("local"),
  "alerts-docker": { program: monitoring("local", { alertmanagerSecrets: secrets(), docker: { network: "alerting-net" } }) },
  "alerts-docker-missing-secret": { program: monitoring("local", { alertmanagerSecrets: { pdKey: "x" }, docker: { network: "alerting-net" } }) },
  "alerts-aws": { program: monitoring("prod", { aws: aws(false) }) },
  "alerts-managed": { program: monitoring("managed", { aws: aws(true) }) },
  "alerts-topology-aws": {
    secretConfig: Object.fromEntries(Object.entries(ALERT_SECRET_VALUES).map(([k, v]) => [`edgeform:${k}`, v])),
    program: async () => {
      const t = new CdnTopology("alerting", { spec: loadFixture(example("alerting.yaml")), target: "prod" });
      return { publicUrls: t.publicUrls };
    },
  },
  "alerts-topology-docker": {
    secretConfig: Object.fromEntries(Object.entries(ALERT_SECRET_VALUES).map(([k, v]) => [`edgeform:${k}`, v])),
    program: async () => {
      const t = new CdnTopology("alerting", { spec: loadFixture(example("alerting.yaml")), target: "local" });
      return { publicUrls: t.publicUrls };
    },
  },
};
