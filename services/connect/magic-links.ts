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

/** A link as the hosted connect page (and the OAuth flow) sees it, addressed by its id alone: the id is the capability. */
export interface MagicLinkForPage {
  id: string;
  status: MagicLinkResponse['status'];
  applicationId: string;
  applicationName: string;
  /** The application's id for the customer (`customer_id` in the API). */
  externalCustomerId: string;
  customerName: string;
  providerId: string;
  providerName: string;
  returnUrl: string;
  expiresAt: Date;
}

/** Any link by id, whatever its status; 404 (NotFoundError) for an unknown or malformed id. */
export async function getMagicLinkForPage(deps: ServiceDeps, id: string): Promise<MagicLinkForPage> {
  const row = await repo.findMagicLinkForPage(deps.db, id);
  if (!row) throw new NotFoundError('Magic link', 'This link does not exist');
  return {
    id: row.id,
    status: row.status === 'new' && row.past_expiry ? 'expired' : (row.status as MagicLinkResponse['status']),
    applicationId: row.application_id,
    applicationName: row.application_name,
    externalCustomerId: row.customer_external_id,
    customerName: row.customer_name,
    providerId: row.provider_id,
    providerName: row.provider_name,
    returnUrl: row.return_url,
    expiresAt: new Date(row.expires_at),
  };
}

/**
 * Marks the link consumed if it is still new and unexpired, in one conditional UPDATE: of two
 * concurrent callers exactly one gets true, and only that one may create the connection.
 */
export async function consumeMagicLink(deps: ServiceDeps, id: string): Promise<boolean> {
  return (await repo.consumeMagicLink(deps.db, id)) !== undefined;
}

/** Puts a consumed link back to new: what it was consumed for failed and created nothing. */
export async function releaseMagicLink(deps: ServiceDeps, id: string): Promise<void> {
  await repo.releaseMagicLink(deps.db, id);
}

/** The link's own return_url with `params` added (status=success&customer_id=…, or status=error&error=…): the only place the hosted pages redirect to. */
export function returnUrlWith(link: Pick<MagicLinkForPage, 'returnUrl'>, params: Record<string, string>): string {
  const url = new URL(link.returnUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

const MAX_ATTEMPTS = 10;
const ATTEMPT_WINDOW_SECS = 600;

/** Counts a submission of the link's page; false once the link had MAX_ATTEMPTS in the window (10 per 10 minutes). */
export function takeMagicLinkAttempt(deps: ServiceDeps, id: string): Promise<boolean> {
  return repo.takeMagicLinkAttempt(deps.db, id, MAX_ATTEMPTS, ATTEMPT_WINDOW_SECS);
}

/** The form's CSRF token: bound to the link, signed with a key derived from the encryption key. */
export function magicLinkCsrfToken(deps: ServiceDeps, id: string): string {
  return deps.secrets.mac('magic-link-csrf', id);
}

export function verifyMagicLinkCsrfToken(deps: ServiceDeps, id: string, token: unknown): boolean {
  return typeof token === 'string' && deps.secrets.verifyMac('magic-link-csrf', id, token);
}
