/**
 * The connector catalog (Syncwell extension, Hotglue's available and supported connectors): every
 * connector an application can use — the built-in providers and its published declarative
 * connectors — described alike, and the ones a sync config (a "flow") is set up for.
 */
import { findSyncConfig } from '../../db/repositories/sync-configs';
import * as connectorsRepo from '../../db/repositories/connectors';
import { findProviderById } from '../../db/repositories/connections';
import { isUuid } from '../../lib/ids';
import { NotFoundError } from '../../lib/errors';
import { parseConnectorDefinition, type ConnectorDefinition } from '../../providers/declarative';
import { isBuiltInProvider } from '../../providers/registry';
import type { ServiceDeps } from '../deps';
import { BUILTIN_CONNECTORS, type CatalogParameter } from './builtin-connectors';

export type { CatalogParameter };

export interface CatalogEntry {
  /** The provider name a provider and its connections use. */
  id: string;
  label: string;
  category: 'crm' | 'engagement' | 'no_category';
  auth_type: 'oauth2' | 'api_key' | 'basic' | 'bearer' | 'none';
  parameters: CatalogParameter[];
  icon?: string;
  description: string;
  source: 'builtin' | 'declarative';
  supports_write: boolean;
}

export interface CatalogCategory {
  category: CatalogEntry['category'];
  connectors: CatalogEntry[];
}

function declarativeEntry(def: ConnectorDefinition): CatalogEntry {
  const streams = def.streams.map((s) => s.name ?? s.id);
  return {
    id: def.id,
    label: def.name,
    category: def.category,
    auth_type: def.auth.type,
    parameters: def.parameters.map((p) => ({
      name: p.name,
      ...(p.label !== undefined ? { label: p.label } : {}),
      required: p.required && p.default === undefined,
      secret: p.secret,
      ...(p.description !== undefined ? { description: p.description } : {}),
    })),
    ...(def.logo_url ? { icon: def.logo_url } : {}),
    description: `${def.name}${def.domain ? ` (${def.domain})` : ''}: ${streams.join(', ')}`,
    source: 'declarative',
    supports_write: def.streams.some((s) => s.write !== undefined),
  };
}

/**
 * Every connector the application can use, by category then label. A published connector never
 * takes a built-in's name (publishing refuses it), so each id appears once.
 */
export async function listAvailableConnectors(deps: ServiceDeps, applicationId: string): Promise<CatalogEntry[]> {
  const builtins: CatalogEntry[] = BUILTIN_CONNECTORS.filter((b) => isBuiltInProvider(b.id)).map((b) => ({ ...b, source: 'builtin', supports_write: true }));
  const published: CatalogEntry[] = [];
  for (const row of await connectorsRepo.listConnectors(deps.db, applicationId)) {
    try {
      published.push(declarativeEntry(parseConnectorDefinition(row.definition)));
    } catch (err) {
      // Stored before a stricter schema: listed nowhere rather than failing the whole catalog.
      deps.logger.warn({ err: (err as Error).message, connectorId: row.id }, 'published connector no longer parses; left out of the catalog');
    }
  }
  return [...builtins, ...published].sort((a, b) => a.category.localeCompare(b.category) || a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
}

/** The same entries grouped by category (categories in name order). */
export function groupByCategory(entries: CatalogEntry[]): CatalogCategory[] {
  const groups = new Map<CatalogEntry['category'], CatalogEntry[]>();
  for (const e of entries) groups.set(e.category, [...(groups.get(e.category) ?? []), e]);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([category, connectors]) => ({ category, connectors }));
}

/** The connectors a sync config is set up for: its provider's (one; empty if that provider has no implementation). */
export async function listSupportedConnectors(deps: ServiceDeps, applicationId: string, syncConfigId: string): Promise<CatalogEntry[]> {
  const config = isUuid(syncConfigId) ? await findSyncConfig(deps.db, applicationId, syncConfigId) : undefined;
  if (!config) throw new NotFoundError('Sync config', `Sync config ${syncConfigId} not found`);
  const provider = await findProviderById(deps.db, applicationId, config.provider_id);
  if (!provider) return [];
  return (await listAvailableConnectors(deps, applicationId)).filter((e) => e.id === provider.name);
}
