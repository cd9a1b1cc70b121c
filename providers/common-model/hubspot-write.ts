/**
 * Supaglue common model (create_update_contact, _account, _opportunity) → HubSpot CRM v3
 * properties: the reverse of ./hubspot.ts, so a record written here reads back the same.
 * Only the fields the caller gave are sent; a null clears the property (HubSpot clears on an
 * empty string). A list (email_addresses, phone_numbers, addresses) replaces what HubSpot
 * holds: the properties it maps to that it does not fill are cleared.
 */
import type { WriteOperation } from '../types';
import { addressOf, defined, emailOf, iso, phoneOf } from './helpers';
import type { CommonObject, EmailAddress } from './model';

/** What one common record becomes: HubSpot properties, and the company to associate (`account_id`). */
export interface HubspotWrite {
  properties: Record<string, unknown>;
  /** undefined: not given; null: given as null (the association is left as it is). */
  accountId?: string | null;
}

/** Per common object HubSpot writes: the common fields an upsert can match on → the HubSpot unique property. */
export const HUBSPOT_COMMON_MATCH_FIELDS: Partial<Record<CommonObject, Record<string, string>>> = { contact: { email: 'email' }, account: {}, opportunity: {} };

const text = (v: unknown): string | undefined => (v === undefined ? undefined : v === null ? '' : String(v));

function emails(r: Record<string, unknown>) {
  const list = Array.isArray(r.email_addresses) ? (r.email_addresses as Partial<EmailAddress>[]) : [];
  const primary = emailOf(r, 'primary');
  const others = list.map((e) => e?.email_address).filter((e): e is string => typeof e === 'string' && e !== '' && e !== primary);
  return { email: primary ?? '', hs_additional_emails: others.join(';') };
}

function address(r: Record<string, unknown>, withStreet2: boolean) {
  const a = addressOf(r, 'primary') ?? {};
  return {
    address: a.street_1 ?? '',
    ...(withStreet2 ? { address2: a.street_2 ?? '' } : {}),
    city: a.city ?? '',
    state: a.state ?? '',
    zip: a.postal_code ?? '',
    country: a.country ?? '',
  };
}

const given = (r: Record<string, unknown>, key: string) => r[key] !== undefined;
const customFields = (r: Record<string, unknown>) =>
  r.custom_fields && typeof r.custom_fields === 'object' && !Array.isArray(r.custom_fields) ? (r.custom_fields as Record<string, unknown>) : {};

function contact(r: Record<string, unknown>): Record<string, unknown> {
  return {
    ...defined({ firstname: text(r.first_name), lastname: text(r.last_name), lifecyclestage: text(r.lifecycle_stage), hubspot_owner_id: text(r.owner_id) }),
    ...(given(r, 'email_addresses') ? emails(r) : {}),
    ...(given(r, 'phone_numbers') ? { phone: phoneOf(r, 'primary') ?? '', mobilephone: phoneOf(r, 'mobile') ?? '', fax: phoneOf(r, 'fax') ?? '' } : {}),
    // HubSpot contacts have one street line.
    ...(given(r, 'addresses') ? address(r, false) : {}),
    ...customFields(r),
  };
}

function account(r: Record<string, unknown>): Record<string, unknown> {
  return {
    ...defined({
      name: text(r.name),
      description: text(r.description),
      industry: text(r.industry),
      website: text(r.website),
      numberofemployees: text(r.number_of_employees),
      lifecyclestage: text(r.lifecycle_stage),
      hubspot_owner_id: text(r.owner_id),
    }),
    // Companies have a single phone property.
    ...(given(r, 'phone_numbers') ? { phone: phoneOf(r, 'primary') ?? '' } : {}),
    ...(given(r, 'addresses') ? address(r, true) : {}),
    ...customFields(r),
  };
}

function opportunity(r: Record<string, unknown>): Record<string, unknown> {
  return {
    ...defined({
      dealname: text(r.name),
      description: text(r.description),
      amount: text(r.amount),
      dealstage: text(r.stage),
      // ISO 8601, as the read mapping gives it back; what does not parse goes as is for HubSpot to refuse.
      closedate: r.close_date === undefined || r.close_date === null ? text(r.close_date) : (iso(r.close_date) ?? String(r.close_date)),
      pipeline: text(r.pipeline),
      hubspot_owner_id: text(r.owner_id),
    }),
    ...customFields(r),
  };
}

const MAPPERS: Partial<Record<CommonObject, (r: Record<string, unknown>) => Record<string, unknown>>> = { contact, account, opportunity };

/** A common record as HubSpot properties; undefined when HubSpot cannot write that common object. */
export function hubspotCommonWrite(common: CommonObject, record: Record<string, unknown>, operation: WriteOperation): HubspotWrite | undefined {
  const map = MAPPERS[common];
  if (!map) return undefined;
  let properties = map(record);
  // A new record has nothing to clear.
  if (operation === 'create') properties = Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== ''));
  const accountId = common === 'account' || record.account_id === undefined ? undefined : record.account_id === null ? null : String(record.account_id);
  return { properties, ...(accountId !== undefined ? { accountId } : {}) };
}

/** The HubSpot properties each common field is written to, to name the common field a rejection is about. */
const FIELDS_OF: Partial<Record<CommonObject, Record<string, string[]>>> = {
  contact: {
    first_name: ['firstname'],
    last_name: ['lastname'],
    email_addresses: ['email', 'hs_additional_emails'],
    phone_numbers: ['phone', 'mobilephone', 'fax'],
    addresses: ['address', 'city', 'state', 'zip', 'country'],
    lifecycle_stage: ['lifecyclestage'],
    owner_id: ['hubspot_owner_id'],
  },
  account: {
    name: ['name'],
    description: ['description'],
    industry: ['industry'],
    website: ['website'],
    number_of_employees: ['numberofemployees'],
    phone_numbers: ['phone'],
    addresses: ['address', 'address2', 'city', 'state', 'zip', 'country'],
    lifecycle_stage: ['lifecyclestage'],
    owner_id: ['hubspot_owner_id'],
  },
  opportunity: {
    name: ['dealname'],
    description: ['description'],
    amount: ['amount'],
    stage: ['dealstage'],
    close_date: ['closedate'],
    pipeline: ['pipeline'],
    owner_id: ['hubspot_owner_id'],
  },
};

/** The common field a HubSpot property comes from, else the custom field it was given as. */
export function hubspotCommonField(common: CommonObject, record: Record<string, unknown>, property: string): string {
  const custom = customFields(record);
  if (property in custom) return `custom_fields.${property}`;
  const found = Object.entries(FIELDS_OF[common] ?? {}).find(([, props]) => props.includes(property));
  return found ? found[0] : property;
}
