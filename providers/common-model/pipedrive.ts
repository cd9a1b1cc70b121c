/** Pipedrive v1 records → Supaglue common model. */
import { address, bool, iso, num, str } from './helpers';
import type { EmailAddress, PhoneNumber, UnifiedAccount, UnifiedContact, UnifiedLead, UnifiedOpportunity, UnifiedUser } from './model';

type R = Record<string, any>;

/** Pipedrive references are ids or objects ({ value } for orgs/persons, { id } for users). */
export const refId = (v: unknown): string | null => {
  if (v && typeof v === 'object') return str((v as R).value ?? (v as R).id);
  return str(v);
};

const common = (r: R) => ({
  id: String(r.id),
  created_at: iso(r.add_time),
  updated_at: iso(r.update_time),
  is_deleted: r.active_flag === false || r.status === 'deleted' || r.is_archived === true,
  last_modified_at: iso(r.update_time),
});

function emails(list: unknown): EmailAddress[] {
  return (Array.isArray(list) ? list : [])
    .filter((e) => str(e?.value))
    .map((e) => ({ email_address: String(e.value), email_address_type: e.primary ? 'primary' : e.label === 'work' ? 'work' : 'other' }));
}

function phones(list: unknown): PhoneNumber[] {
  return (Array.isArray(list) ? list : [])
    .filter((p) => str(p?.value))
    .map((p) => ({ phone_number: String(p.value), phone_number_type: p.primary ? 'primary' : p.label === 'mobile' ? 'mobile' : p.label === 'fax' ? 'fax' : 'other' }));
}

export function pipedriveContact(r: R): UnifiedContact {
  return {
    ...common(r),
    first_name: str(r.first_name),
    last_name: str(r.last_name),
    addresses: [],
    email_addresses: emails(r.email),
    phone_numbers: phones(r.phone),
    lifecycle_stage: null,
    owner_id: refId(r.owner_id),
    account_id: refId(r.org_id),
    last_activity_at: iso(r.last_activity_date),
  };
}

export function pipedriveAccount(r: R): UnifiedAccount {
  return {
    ...common(r),
    name: str(r.name),
    description: null,
    industry: null,
    website: null,
    number_of_employees: null,
    addresses: address('primary', {
      street_1: [r.address_street_number, r.address_route].filter((x) => str(x)).join(' ') || null,
      street_2: r.address_subpremise,
      city: r.address_locality,
      state: r.address_admin_area_level_1,
      postal_code: r.address_postal_code,
      country: r.address_country,
    }),
    phone_numbers: [],
    lifecycle_stage: null,
    owner_id: refId(r.owner_id),
    last_activity_at: iso(r.last_activity_date),
  };
}

export function pipedriveOpportunity(r: R): UnifiedOpportunity {
  const status = r.status === 'won' ? 'WON' : r.status === 'lost' ? 'LOST' : r.status === 'open' ? 'OPEN' : null;
  return {
    ...common(r),
    name: str(r.title),
    description: null,
    amount: num(r.value),
    stage: str(r.stage_id),
    status,
    close_date: iso(r.close_time ?? r.expected_close_date),
    pipeline: str(r.pipeline_id),
    account_id: refId(r.org_id),
    owner_id: refId(r.user_id),
    last_activity_at: iso(r.last_activity_date),
  };
}

export function pipedriveLead(r: R): UnifiedLead {
  return {
    ...common(r),
    first_name: null,
    last_name: null,
    title: str(r.title),
    company: null,
    lead_source: str(r.source_name),
    converted_date: null,
    converted_account_id: null,
    converted_contact_id: null,
    addresses: [],
    email_addresses: [],
    phone_numbers: [],
    owner_id: refId(r.owner_id),
  };
}

export function pipedriveUser(r: R): UnifiedUser {
  return {
    id: String(r.id),
    name: str(r.name),
    email: str(r.email),
    is_active: bool(r.active_flag),
    created_at: iso(r.created),
    updated_at: iso(r.modified),
    is_deleted: false,
    last_modified_at: iso(r.modified),
  };
}
