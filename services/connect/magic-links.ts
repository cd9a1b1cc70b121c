import { NotFoundError } from '../../lib/errors';
import type { CreateMagicLinkInput } from './inputs';
import * as repo from '../../db/repositories/magic-links';
import { getCustomerOrThrow } from '../tenants/customers';
import type { ServiceDeps } from '../deps';
import { getProviderByNameOrThrow } from '../catalog/providers';

type LinkRow = Awaited<ReturnType<typeof repo.listMagicLinks>>[number];

/** A magic link as callers see it: `expired` once past `expires_at` unconsumed. */
export interface MagicLinkResponse {
  id: string;
  status: 'new' | 'consumed' | 'expired';
  application_id: string;
  customer_id: string;
  provider_id: string;
  provider_name: string;
  url: string;
  return_url: string;
  expires_at: string;
}

/** Where magic links are opened: `<publicBase>/magic-link/<id>`. */
export const magicLinkUrl = (publicBase: string, id: string) => `${publicBase.replace(/\/+$/, '')}/magic-link/${id}`;

function toMagicLinkResponse(row: LinkRow, publicBase: string, now = new Date()): MagicLinkResponse {
  const expiresAt = new Date(row.expires_at);
  return {
    id: row.id,
    status: (row.status === 'new' && expiresAt <= now ? 'expired' : row.status) as MagicLinkResponse['status'],
    application_id: row.application_id,
    customer_id: row.customer_external_id,
    provider_id: row.provider_id,
    provider_name: row.provider_name,
    url: magicLinkUrl(publicBase, row.id),
    return_url: row.return_url,
    expires_at: expiresAt.toISOString(),
  };
}

export async function listMagicLinks(deps: ServiceDeps, applicationId: string, publicBase: string): Promise<MagicLinkResponse[]> {
  const now = new Date();
  return (await repo.listMagicLinks(deps.db, applicationId)).map((r) => toMagicLinkResponse(r, publicBase, now));
}

/** Creates a link for an existing customer and provider of the application (404 otherwise). */
export async function createMagicLink(deps: ServiceDeps, applicationId: string, input: CreateMagicLinkInput, publicBase: string): Promise<MagicLinkResponse> {
  const customer = await getCustomerOrThrow(deps, applicationId, input.customer_id);
  const provider = await getProviderByNameOrThrow(deps, applicationId, input.provider_name);
  const row = await repo.insertMagicLink(deps.db, {
    application_id: applicationId,
    customer_id: customer.id,
    provider_id: provider.id,
    provider_name: provider.name,
    return_url: input.return_url,
    expires_at: new Date(Date.now() + Math.round(input.expiration_secs * 1000)),
  });
  return toMagicLinkResponse({ ...row, customer_external_id: customer.external_id }, publicBase);
}

export async function deleteMagicLink(deps: ServiceDeps, applicationId: string, magicLinkId: string): Promise<void> {
  if (!(await repo.deleteMagicLink(deps.db, applicationId, magicLinkId))) throw new NotFoundError('Magic link', `Magic link ${magicLinkId} not found`);
}
