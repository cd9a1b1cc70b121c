/** HubSpot CRM v3 objects → Supaglue common model. */
import { address, bool, int, iso, lifecycleStage, num, str } from './helpers';
import type { EmailAddress, PhoneNumber, UnifiedAccount, UnifiedContact, UnifiedOpportunity, UnifiedUser } from './model';

type Obj = {
  id: string;
  properties?: Record<string, unknown>;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
  archivedAt?: string;
  associations?: Record<string, { results?: Array<{ id: string }> }>;
};

const props = (r: Obj) => r.properties ?? {};
const common = (r: Obj, createdProp = 'createdate') => ({
  id: String(r.id),
  created_at: iso(props(r)[createdProp]) ?? iso(r.createdAt),
  updated_at: iso(r.updatedAt),
  is_deleted: r.archived === true,
  last_modified_at: iso(r.archived ? (r.archivedAt ?? r.updatedAt) : r.updatedAt),
});
const firstAssociation = (r: Obj, to: string) => r.associations?.[to]?.results?.[0]?.id ?? null;

function phones(p: Record<string, unknown>): PhoneNumber[] {
  const out: PhoneNumber[] = [];
  if (str(p.phone)) out.push({ phone_number: str(p.phone), phone_number_type: 'primary' });
  if (str(p.mobilephone)) out.push({ phone_number: str(p.mobilephone), phone_number_type: 'mobile' });
  if (str(p.fax)) out.push({ phone_number: str(p.fax), phone_number_type: 'fax' });
  return out;
}

export function hubspotContact(r: Obj): UnifiedContact {
  const p = props(r);
  const emails: EmailAddress[] = [];
  if (str(p.email)) emails.push({ email_address: str(p.email)!, email_address_type: 'primary' });
  for (const e of (str(p.hs_additional_emails) ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean))
    emails.push({ email_address: e, email_address_type: 'work' });
  return {
    ...common(r),
    first_name: str(p.firstname),
    last_name: str(p.lastname),
    addresses: address('primary', { street_1: p.address, city: p.city, state: p.state, postal_code: p.zip, country: p.country }),
    email_addresses: emails,
    phone_numbers: phones(p),
    lifecycle_stage: lifecycleStage(p.lifecyclestage),
    owner_id: str(p.hubspot_owner_id),
    account_id: str(p.associatedcompanyid) ?? firstAssociation(r, 'companies'),
    last_activity_at: iso(p.notes_last_updated),
  };
}

export function hubspotAccount(r: Obj): UnifiedAccount {
  const p = props(r);
  return {
    ...common(r),
    name: str(p.name),
    description: str(p.description),
    industry: str(p.industry),
    website: str(p.website),
    number_of_employees: int(p.numberofemployees),
    addresses: address('primary', { street_1: p.address, street_2: p.address2, city: p.city, state: p.state, postal_code: p.zip, country: p.country }),
    phone_numbers: phones(p),
    lifecycle_stage: lifecycleStage(p.lifecyclestage),
    owner_id: str(p.hubspot_owner_id),
    last_activity_at: iso(p.notes_last_updated),
  };
}

export function hubspotOpportunity(r: Obj): UnifiedOpportunity {
  const p = props(r);
  const status = bool(p.hs_is_closed_won) ? 'WON' : bool(p.hs_is_closed) ? 'LOST' : 'OPEN';
  return {
    ...common(r),
    name: str(p.dealname),
    description: str(p.description),
    amount: num(p.amount),
    stage: str(p.dealstage),
    status,
    close_date: iso(p.closedate),
    pipeline: str(p.pipeline),
    account_id: firstAssociation(r, 'companies'),
    owner_id: str(p.hubspot_owner_id),
    last_activity_at: iso(p.notes_last_updated),
  };
}

/** Owners (GET /crm/v3/owners) are HubSpot's users. */
export function hubspotUser(r: { id: string; email?: string; firstName?: string; lastName?: string; createdAt?: string; updatedAt?: string; archived?: boolean }): UnifiedUser {
  const name = [r.firstName, r.lastName].filter((s) => s).join(' ');
  return {
    id: String(r.id),
    name: name || null,
    email: str(r.email),
    is_active: r.archived !== true,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    is_deleted: r.archived === true,
    last_modified_at: iso(r.updatedAt),
  };
}
