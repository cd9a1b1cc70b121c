/** Salesforce sObjects → Supaglue common model. */
import { address, bool, iso, num, str } from './helpers';
import type { EmailAddress, PhoneNumber, UnifiedAccount, UnifiedContact, UnifiedLead, UnifiedOpportunity, UnifiedUser } from './model';

type R = Record<string, unknown>;

const common = (r: R) => ({
  id: String(r.Id),
  created_at: iso(r.CreatedDate),
  updated_at: iso(r.LastModifiedDate ?? r.SystemModstamp),
  is_deleted: bool(r.IsDeleted),
  last_modified_at: iso(r.SystemModstamp ?? r.LastModifiedDate),
});

const emails = (r: R): EmailAddress[] => (str(r.Email) ? [{ email_address: str(r.Email)!, email_address_type: 'primary' }] : []);

function phones(r: R): PhoneNumber[] {
  const out: PhoneNumber[] = [];
  if (str(r.Phone)) out.push({ phone_number: str(r.Phone), phone_number_type: 'primary' });
  if (str(r.MobilePhone)) out.push({ phone_number: str(r.MobilePhone), phone_number_type: 'mobile' });
  if (str(r.Fax)) out.push({ phone_number: str(r.Fax), phone_number_type: 'fax' });
  return out;
}

// Salesforce keeps one street field; its lines after the first are street_2 (as writes join them).
const addr = (r: R, prefix: string) => ({
  street_1: str(r[`${prefix}Street`])?.split('\n')[0],
  street_2: str(r[`${prefix}Street`])?.split('\n').slice(1).join('\n'),
  city: r[`${prefix}City`],
  state: r[`${prefix}State`],
  postal_code: r[`${prefix}PostalCode`],
  country: r[`${prefix}Country`],
});

export function salesforceContact(r: R): UnifiedContact {
  return {
    ...common(r),
    first_name: str(r.FirstName),
    last_name: str(r.LastName),
    addresses: [...address('mailing', addr(r, 'Mailing')), ...address('other', addr(r, 'Other'))],
    email_addresses: emails(r),
    phone_numbers: phones(r),
    lifecycle_stage: null,
    owner_id: str(r.OwnerId),
    account_id: str(r.AccountId),
    last_activity_at: iso(r.LastActivityDate),
  };
}

export function salesforceAccount(r: R): UnifiedAccount {
  return {
    ...common(r),
    name: str(r.Name),
    description: str(r.Description),
    industry: str(r.Industry),
    website: str(r.Website),
    number_of_employees: num(r.NumberOfEmployees),
    addresses: [...address('billing', addr(r, 'Billing')), ...address('shipping', addr(r, 'Shipping'))],
    phone_numbers: phones(r),
    lifecycle_stage: null,
    owner_id: str(r.OwnerId),
    last_activity_at: iso(r.LastActivityDate),
  };
}

export function salesforceOpportunity(r: R): UnifiedOpportunity {
  return {
    ...common(r),
    name: str(r.Name),
    description: str(r.Description),
    amount: num(r.Amount),
    stage: str(r.StageName),
    status: bool(r.IsWon) ? 'WON' : bool(r.IsClosed) ? 'LOST' : 'OPEN',
    close_date: iso(r.CloseDate),
    pipeline: null,
    account_id: str(r.AccountId),
    owner_id: str(r.OwnerId),
    last_activity_at: iso(r.LastActivityDate),
  };
}

export function salesforceLead(r: R): UnifiedLead {
  return {
    ...common(r),
    first_name: str(r.FirstName),
    last_name: str(r.LastName),
    title: str(r.Title),
    company: str(r.Company),
    lead_source: str(r.LeadSource),
    converted_date: iso(r.ConvertedDate),
    converted_account_id: str(r.ConvertedAccountId),
    converted_contact_id: str(r.ConvertedContactId),
    addresses: address('primary', addr(r, '')),
    email_addresses: emails(r),
    phone_numbers: phones(r),
    owner_id: str(r.OwnerId),
  };
}

export function salesforceUser(r: R): UnifiedUser {
  return { ...common(r), name: str(r.Name), email: str(r.Email), is_active: bool(r.IsActive) };
}
