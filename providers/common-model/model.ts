/**
 * Supaglue's CRM common model (supaglue-crm-v2.openapi.json): the unified records
 * built-in providers return in SourceRecord.unified (written to
 * `_supaglue_unified_data` of crm_contacts, crm_accounts, ...). Dates are ISO 8601
 * strings; absent values are null. raw_data is not repeated here: the raw record is
 * `_supaglue_raw_data`.
 */
import type { ObjectField } from '../types';

export const COMMON_OBJECTS = ['contact', 'account', 'opportunity', 'lead', 'user'] as const;
export type CommonObject = (typeof COMMON_OBJECTS)[number];

export type AddressType = 'primary' | 'mailing' | 'other' | 'billing' | 'shipping';
export interface Address {
  address_type: AddressType;
  city: string | null;
  country: string | null;
  postal_code: string | null;
  state: string | null;
  street_1: string | null;
  street_2: string | null;
}
export interface EmailAddress {
  email_address: string;
  email_address_type: 'primary' | 'work' | 'other';
}
export interface PhoneNumber {
  phone_number: string | null;
  phone_number_type: 'primary' | 'mobile' | 'fax' | 'other';
}
export const LIFECYCLE_STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

interface Common {
  id: string;
  created_at: string | null;
  updated_at: string | null;
  is_deleted: boolean;
  last_modified_at: string | null;
}

export interface UnifiedContact extends Common {
  first_name: string | null;
  last_name: string | null;
  addresses: Address[];
  email_addresses: EmailAddress[];
  phone_numbers: PhoneNumber[];
  lifecycle_stage: LifecycleStage | null;
  owner_id: string | null;
  account_id: string | null;
  last_activity_at: string | null;
}
export interface UnifiedAccount extends Common {
  name: string | null;
  description: string | null;
  industry: string | null;
  website: string | null;
  number_of_employees: number | null;
  addresses: Address[];
  phone_numbers: PhoneNumber[];
  lifecycle_stage: LifecycleStage | null;
  owner_id: string | null;
  last_activity_at: string | null;
}
export interface UnifiedOpportunity extends Common {
  name: string | null;
  description: string | null;
  amount: number | null;
  stage: string | null;
  status: 'OPEN' | 'WON' | 'LOST' | null;
  close_date: string | null;
  pipeline: string | null;
  account_id: string | null;
  owner_id: string | null;
  last_activity_at: string | null;
}
export interface UnifiedLead extends Common {
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  company: string | null;
  lead_source: string | null;
  converted_date: string | null;
  converted_account_id: string | null;
  converted_contact_id: string | null;
  addresses: Address[];
  email_addresses: EmailAddress[];
  phone_numbers: PhoneNumber[];
  owner_id: string | null;
}
export interface UnifiedUser extends Common {
  name: string | null;
  email: string | null;
  is_active: boolean;
}

const f = (name: string, type: string, nullable = true, format?: string): ObjectField => ({ name, type, nullable, ...(format ? { format } : {}) });
const dt = (name: string, nullable = true) => f(name, 'string', nullable, 'date-time');
const COMMON_FIELDS = [dt('created_at'), dt('updated_at'), f('is_deleted', 'boolean', false), dt('last_modified_at')];

/** The unified fields of each common object (discovery). */
export const COMMON_OBJECT_FIELDS: Record<CommonObject, ObjectField[]> = {
  contact: [
    f('id', 'string', false),
    f('first_name', 'string'),
    f('last_name', 'string'),
    f('addresses', 'array', false),
    f('email_addresses', 'array', false),
    f('phone_numbers', 'array', false),
    f('lifecycle_stage', 'string'),
    f('owner_id', 'string'),
    f('account_id', 'string'),
    dt('last_activity_at'),
    ...COMMON_FIELDS,
  ],
  account: [
    f('id', 'string', false),
    f('name', 'string'),
    f('description', 'string'),
    f('industry', 'string'),
    f('website', 'string'),
    f('number_of_employees', 'integer'),
    f('addresses', 'array', false),
    f('phone_numbers', 'array', false),
    f('lifecycle_stage', 'string'),
    f('owner_id', 'string'),
    dt('last_activity_at'),
    ...COMMON_FIELDS,
  ],
  opportunity: [
    f('id', 'string', false),
    f('name', 'string'),
    f('description', 'string'),
    f('amount', 'number'),
    f('stage', 'string'),
    f('status', 'string'),
    dt('close_date'),
    f('pipeline', 'string'),
    f('account_id', 'string'),
    f('owner_id', 'string'),
    dt('last_activity_at'),
    ...COMMON_FIELDS,
  ],
  lead: [
    f('id', 'string', false),
    f('first_name', 'string'),
    f('last_name', 'string'),
    f('title', 'string'),
    f('company', 'string'),
    f('lead_source', 'string'),
    dt('converted_date'),
    f('converted_account_id', 'string'),
    f('converted_contact_id', 'string'),
    f('addresses', 'array', false),
    f('email_addresses', 'array', false),
    f('phone_numbers', 'array', false),
    f('owner_id', 'string'),
    ...COMMON_FIELDS,
  ],
  user: [f('id', 'string', false), f('name', 'string'), f('email', 'string'), f('is_active', 'boolean', false), ...COMMON_FIELDS],
};

export const COMMON_LABELS: Record<CommonObject, string> = { contact: 'Contact', account: 'Account', opportunity: 'Opportunity', lead: 'Lead', user: 'User' };
