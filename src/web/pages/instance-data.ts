import { stringify } from 'yaml';
import { unfinishedStates } from '../../core/appserver-state';
import { droppedLogMarker } from '../../core/log-dropped-marker';
import type { InstanceStatus } from '../../core/instance-status';
import type { Appserver, Host, Instance } from '../../core/model';
import { maskSecretSettings } from '../../core/settings/mask-secret-settings';
import type { SettingsValue } from '../../core/settings';
import { createDatabaseRecords } from '../../infra/db/database-records';
import type { LogChunk } from '../../infra/db/log-reader';
import type { StatusDeps } from '../status-deps';
import { loadDatabaseRows, type DatabaseRow, type SnapshotRow } from './instance-databases';

/** How much of the log the page itself carries; the rest is in log.txt. */
export const pageLogBytes = 64 * 1024;

export interface LogView {
  appserver: Appserver;
  text: string;
  /** Offset of the last chunk shown: the live stream continues after it. */
  lastOffset: number;
  /** True when the page shows only the end of the log. */
  truncated: boolean;
  live: boolean;
}

/** A running (or once running) appserver's own output, as kept (`runtime_log` in sandbox.yml). */
export interface RuntimeLogView {
  appserver: Appserver;
  /** The marker line when older output was dropped, then the text. */
  text: string;
  /** True when the page shows only the end of what is kept. */
  truncated: boolean;
}

export interface InstancePageData {
  instance: Instance;
  status: InstanceStatus;
  appservers: Appserver[];
  hosts: Map<number, Host>;
  log: LogView | null;
  /** The runtime log of the chosen appserver, else of the active one; null when none is kept. */
  runtimeLog?: RuntimeLogView | null;
  /** Merged settings as YAML, secrets masked by key and by value. */
  settingsYaml: string;
  fields: [string, string][];
  tags?: string[];
  /** The campaigns this sandbox is part of, newest first, with its item's state. */
  campaigns?: { id: number; tag: string; state: string; item: string }[];
  /** Its persistent databases (no passwords) and their snapshots. */
  databases?: DatabaseRow[];
  snapshots?: SnapshotRow[];
}

/** The appserver whose log the page shows: the chosen one, else one deploying, else the active one, else the newest. */
export function pickLogAppserver(instance: Instance, appservers: Appserver[], chosen: number | null): Appserver | null {
  if (chosen !== null) return appservers.find((a) => a.number === chosen) ?? null;
  const newestFirst = [...appservers].sort((a, b) => b.number - a.number);
  return (
    newestFirst.find((a) => unfinishedStates.includes(a.state)) ??
    newestFirst.find((a) => a.id === instance.activeAppserverId) ??
    newestFirst[0] ??
    null
  );
}

/** Everything the instance page shows to a reader; `null` when the page shows only state and domains. */
export async function loadInstanceDetails(
  deps: StatusDeps,
  instance: Instance,
  appservers: Appserver[],
  chosen: number | null,
): Promise<Omit<InstancePageData, 'instance' | 'status' | 'appservers'>> {
  const hosts = new Map((await deps.store.listHosts()).map((host) => [host.id, host]));
  const target = pickLogAppserver(instance, appservers, chosen);
  const log = target ? await readLogView(deps, target) : null;
  const runtimeTarget =
    chosen !== null ? target : (appservers.find((a) => a.id === instance.activeAppserverId) ?? null);
  const runtimeLog = runtimeTarget ? await readRuntimeLogView(deps, runtimeTarget) : null;
  const repository = deps.config.repositories.find(
    (entry) => entry.name.toLowerCase() === instance.prRepo?.toLowerCase(),
  );
  const masked = maskSecretSettings(instance.settings as SettingsValue, repository?.secret_settings);
  const settingsYaml =
    Object.keys(instance.settings).length === 0 ? '' : deps.redactor.redact(stringify(masked, { lineWidth: 0 }));
  const fields = Object.entries(instance.fields).map(([key, value]): [string, string] => [
    key,
    deps.redactor.redact(String(value)),
  ]);
  const tags = await deps.store.listTags(instance.id);
  const campaigns = [];
  for (const campaign of await deps.store.listCampaigns({ instanceId: instance.id })) {
    const item = (await deps.store.listCampaignItems(campaign.id)).find((i) => i.instanceId === instance.id);
    campaigns.push({ id: campaign.id, tag: campaign.tag, state: campaign.state, item: item?.state ?? '?' });
  }
  const { databases, snapshots } = await loadDatabaseRows(createDatabaseRecords(deps.db), instance.id);
  return { hosts, log, runtimeLog, settingsYaml, fields, tags, campaigns, databases, snapshots };
}

async function readRuntimeLogView(deps: StatusDeps, appserver: Appserver): Promise<RuntimeLogView | null> {
  const store = deps.commands.runtimeLogs;
  const state = store ? await store.state(appserver.id) : null;
  if (!store || !state) return null;
  const chunks = await store.read(appserver.id, { tailBytes: pageLogBytes });
  let text = chunks.map((chunk) => chunk.content).join('');
  let truncated = false;
  if (text.length > pageLogBytes) {
    const cut = text.indexOf('\n', text.length - pageLogBytes);
    text = text.slice(cut >= 0 ? cut + 1 : text.length - pageLogBytes);
    truncated = true;
  }
  return { appserver, text: droppedLogMarker(state.droppedBytes) + text, truncated };
}

async function readLogView(deps: StatusDeps, appserver: Appserver): Promise<LogView> {
  const chunks: LogChunk[] = await deps.logs.tail(appserver.id, pageLogBytes);
  let text = chunks.map((chunk) => chunk.content).join('');
  let truncated = chunks.length > 0 && chunks[0]!.offset > 0;
  if (text.length > pageLogBytes) {
    const cut = text.indexOf('\n', text.length - pageLogBytes);
    text = text.slice(cut >= 0 ? cut + 1 : text.length - pageLogBytes);
    truncated = true;
  }
  return {
    appserver,
    text,
    lastOffset: chunks.at(-1)?.offset ?? -1,
    truncated,
    live: unfinishedStates.includes(appserver.state),
  };
}
