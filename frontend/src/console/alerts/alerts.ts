/** The Alerts page's pure parts: texts for kinds, channels and outcomes; the rule form's draft and its checks. */
import type { AlertMessage, AlertRule, Channel, ChannelType, RuleFields, RuleKind } from "../../api/alerts";
import type { Me } from "../../api/console";

export const KINDS: { value: RuleKind; label: string; hint: string }[] = [
  { value: "incident_group", label: "New incident group", hint: "a group of failed, stuck or SLA-breached runs appears (the Incidents page's groups)" },
  { value: "stuck", label: "Run stuck", hint: "a run has been flagged stuck for longer than a threshold; one alert per run" },
  { value: "sla_breach", label: "SLA breached", hint: "a run, or one of its steps, is past its SLA and still not done; one alert per run" },
  { value: "failure_rate", label: "Failure rate", hint: "the share of a definition's runs that failed within a window goes over a threshold" },
];

export function kindText(kind: string): string {
  return KINDS.find((k) => k.value === kind)?.label ?? kind;
}

export interface ParamField {
  name: string;
  label: string;
  integer?: boolean;
  min: number;
  max: number;
  placeholder: string;
  required?: boolean;
}

/** The numeric params of each kind, as form fields (incident_group's "kinds" are checkboxes). */
export const PARAM_FIELDS: Record<RuleKind, ParamField[]> = {
  incident_group: [{ name: "min_count", label: "At least this many runs", integer: true, min: 1, max: 1_000_000, placeholder: "1" }],
  stuck: [{ name: "older_than_seconds", label: "Stuck for longer than (seconds)", min: 0, max: 30 * 86400, placeholder: "0" }],
  sla_breach: [],
  failure_rate: [
    { name: "threshold", label: "Threshold (0 to 1: 0.2 is 20%)", min: 0, max: 1, placeholder: "0.2", required: true },
    { name: "window_seconds", label: "Window (seconds)", min: 60, max: 7 * 86400, placeholder: "900" },
    { name: "min_runs", label: "At least this many ended runs", integer: true, min: 1, max: 1_000_000, placeholder: "10" },
  ],
};

export const INCIDENT_KINDS = [
  { value: "failed", label: "failed" },
  { value: "stuck", label: "stuck" },
  { value: "sla_breached", label: "past a breached SLA" },
];

export interface ChannelDraft {
  type: ChannelType;
  /** A URL, or email addresses separated by commas. */
  target: string;
}

export interface RuleDraft {
  name: string;
  kind: RuleKind;
  definition_key: string;
  params: Record<string, string>;
  incidentKinds: string[];
  channels: ChannelDraft[];
  repeat: string;
  enabled: boolean;
}

export function emptyDraft(): RuleDraft {
  return {
    name: "", kind: "incident_group", definition_key: "", params: {}, incidentKinds: INCIDENT_KINDS.map((k) => k.value),
    channels: [{ type: "webhook", target: "" }], repeat: "3600", enabled: true,
  };
}

export function channelTarget(channel: Channel): string {
  return channel.type === "email" ? channel.to.join(", ") : channel.url;
}

export function draftOf(rule: AlertRule): RuleDraft {
  const params: Record<string, string> = {};
  for (const field of PARAM_FIELDS[rule.kind] ?? []) {
    const value = rule.params[field.name];
    if (value !== undefined && value !== null) params[field.name] = String(value);
  }
  const kinds = rule.params.kinds;
  return {
    name: rule.name, kind: rule.kind, definition_key: rule.definition_key, params,
    incidentKinds: Array.isArray(kinds) ? kinds.map(String) : INCIDENT_KINDS.map((k) => k.value),
    channels: rule.channels.map((c) => ({ type: c.type, target: channelTarget(c) })),
    repeat: String(rule.repeat_interval_seconds), enabled: rule.enabled,
  };
}

/** The draft as the API's fields, or the problems the page sees before asking the server. */
export function fieldsOf(draft: RuleDraft): { fields: RuleFields | null; problems: string[] } {
  const problems: string[] = [];
  if (!draft.name.trim()) problems.push("Name: required.");
  const params: Record<string, unknown> = {};
  for (const field of PARAM_FIELDS[draft.kind]) {
    const text = (draft.params[field.name] ?? "").trim();
    if (!text) {
      if (field.required) problems.push(`${field.label}: required.`);
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value) || value < field.min || value > field.max || (field.integer && !Number.isInteger(value))) {
      problems.push(`${field.label}: ${field.integer ? "a whole number" : "a number"} from ${field.min} to ${field.max}.`);
    } else {
      params[field.name] = value;
    }
  }
  if (draft.kind === "incident_group") {
    if (!draft.incidentKinds.length) problems.push("Incident kinds: pick at least one.");
    params.kinds = draft.incidentKinds;
  }
  const channels: Channel[] = [];
  if (!draft.channels.length) problems.push("Channels: add at least one.");
  draft.channels.forEach((c, i) => {
    const target = c.target.trim();
    if (!target) problems.push(`Channel ${i + 1}: ${c.type === "email" ? "addresses" : "a URL"} required.`);
    else if (c.type === "email") channels.push({ type: "email", to: target.split(",").map((a) => a.trim()).filter(Boolean) });
    else channels.push({ type: c.type, url: target });
  });
  const repeat = Number(draft.repeat.trim() || "0");
  if (!Number.isInteger(repeat) || repeat < 0) problems.push("Repeat every: a whole number of seconds (0: never).");
  if (problems.length) return { fields: null, problems };
  return {
    fields: {
      name: draft.name.trim(), kind: draft.kind, params, definition_key: draft.definition_key.trim(), channels,
      repeat_interval_seconds: repeat, enabled: draft.enabled,
    },
    problems,
  };
}

export function channelText(channel: Channel): string {
  return `${channel.type}: ${channelTarget(channel)}`;
}

/** "sent (200)", "failed (500): the receiver answered 500: …", "pending". */
export function outcomeText(message: Pick<AlertMessage, "status" | "response_code" | "error">): string {
  const code = message.response_code ? ` (${message.response_code})` : "";
  if (message.status === "failed") return `failed${code}${message.error ? `: ${message.error}` : ""}`;
  return `${message.status}${code}`;
}

/** "every 1h", "never": how often a still firing group is sent again. */
export function repeatText(seconds: number): string {
  if (!seconds) return "never";
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (seconds % size === 0) return `every ${seconds / size}${unit}`;
  }
  return `every ${seconds}s`;
}

/** Why the rule buttons are disabled for this user ("" when they may manage rules). */
export function cannotAdministerText(me: Me | null): string {
  if (!me) return "Checking your role…";
  if (me.capabilities.includes("administer")) return "";
  const roles = me.roles.length ? me.roles.join(", ") : "no role";
  return `Your role (${roles}) can see alerts but not manage rules; ask an admin.`;
}
