/**
 * Supaglue common model → Salesforce sObject fields, for writes (the reverse of salesforce.ts):
 * the create_update_contact / _account / _opportunity / _lead shapes. Only the keys given are
 * mapped, so an update leaves the other fields alone; a list entry (an email, a phone number or
 * an address of one type) sets only that type's fields. `custom_fields` pass through under
 * their Salesforce names.
 */
import type { WriteRejection } from '../types';
import { addressOf, defined, emailOf, phoneOf } from './helpers';
import type { Address, AddressType, CommonObject, PhoneNumber } from './model';

export type WritableCommon = Exclude<CommonObject, 'user'>;
export const WRITABLE_COMMON: readonly WritableCommon[] = ['contact', 'account', 'opportunity', 'lead'];

type R = Record<string, unknown>;

interface Shape {
  /** Common field → sObject field, copied as they are. */
  simple: Record<string, string>;
  /** Address type → field prefix (MailingStreet, ...). */
  addresses: Partial<Record<AddressType, string>>;
  phones: Partial<Record<PhoneNumber['phone_number_type'], string>>;
  email: boolean;
  /** Fields Salesforce has no place for: accepted and not written (as Supaglue does). */
  ignored: string[];
  /** Fields Salesforce sets itself: a value is refused. */
  readOnly: string[];
}

const SHAPES: Record<WritableCommon, Shape> = {
  contact: {
    simple: { first_name: 'FirstName', last_name: 'LastName', account_id: 'AccountId', owner_id: 'OwnerId' },
    addresses: { mailing: 'Mailing', other: 'Other' },
    phones: { primary: 'Phone', mobile: 'MobilePhone', fax: 'Fax' },
    email: true,
    ignored: ['lifecycle_stage'],
    readOnly: [],
  },
  account: {
    simple: { name: 'Name', description: 'Description', industry: 'Industry', website: 'Website', number_of_employees: 'NumberOfEmployees', owner_id: 'OwnerId' },
    addresses: { billing: 'Billing', shipping: 'Shipping' },
    phones: { primary: 'Phone', fax: 'Fax' },
    email: false,
    ignored: ['lifecycle_stage'],
    readOnly: [],
  },
  opportunity: {
    simple: { name: 'Name', description: 'Description', amount: 'Amount', stage: 'StageName', account_id: 'AccountId', owner_id: 'OwnerId' },
    addresses: {},
    phones: {},
    email: false,
    ignored: ['pipeline'],
    readOnly: [],
  },
  lead: {
    simple: { first_name: 'FirstName', last_name: 'LastName', company: 'Company', title: 'Title', lead_source: 'LeadSource', owner_id: 'OwnerId' },
    addresses: { primary: '' },
    phones: { primary: 'Phone', mobile: 'MobilePhone', fax: 'Fax' },
    email: true,
    ignored: [],
    // Set by Salesforce when a lead is converted (the convertLead call), never by a write.
    readOnly: ['converted_contact_id', 'converted_account_id', 'converted_date'],
  },
};

const ADDRESS_PARTS = ['Street', 'City', 'State', 'PostalCode', 'Country'] as const;

type MappedRecord = { ok: true; fields: R } | { ok: false; error: WriteRejection };

const reject = (field: string, message: string, code = 'INVALID_FIELD'): MappedRecord => ({ ok: false, error: { message, field, code, status: 400 } });

/** A common record as the sObject fields to send, or why it cannot be written. */
export function toSalesforceFields(object: WritableCommon, record: R): MappedRecord {
  const shape = SHAPES[object];
  const fields: R = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || shape.ignored.includes(key)) continue;
    if (shape.readOnly.includes(key)) {
      if (value === null) continue;
      return reject(key, `${key} is set by Salesforce when the lead is converted; it cannot be written`, 'INVALID_FIELD_FOR_INSERT_UPDATE');
    }
    const simple = shape.simple[key];
    if (simple) fields[simple] = value;
    else if (key === 'close_date' && object === 'opportunity') {
      const day = value === null ? null : dateOnly(value);
      if (day === undefined) return reject(key, `close_date ${JSON.stringify(value)} is not a date`, 'INVALID_DATE');
      fields.CloseDate = day;
    } else if (key === 'email_addresses' && shape.email) Object.assign(fields, defined({ Email: emailOf(record) }));
    else if (key === 'phone_numbers' && Object.keys(shape.phones).length) Object.assign(fields, phoneFields(shape, record));
    else if (key === 'addresses' && Object.keys(shape.addresses).length) Object.assign(fields, addressFields(shape, record));
    else if (key === 'custom_fields') {
      if (value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) return reject(key, 'custom_fields must be an object of Salesforce field names to values');
      Object.assign(fields, value);
    } else return reject(key, `${key} is not a field of a common ${object} Salesforce can write`);
  }
  return { ok: true, fields };
}

/** The common field a Salesforce field of a common record came from, for rejections (LastName → last_name). */
export function commonFieldOf(object: WritableCommon, sfField: string): string {
  const shape = SHAPES[object];
  const simple = Object.entries(shape.simple).find(([, f]) => f === sfField);
  if (simple) return simple[0];
  if (object === 'opportunity' && sfField === 'CloseDate') return 'close_date';
  if (shape.email && sfField === 'Email') return 'email_addresses';
  if (Object.values(shape.phones).includes(sfField)) return 'phone_numbers';
  if (Object.values(shape.addresses).some((prefix) => ADDRESS_PARTS.some((part) => `${prefix}${part}` === sfField))) return 'addresses';
  return sfField; // a custom field, under the name the caller gave it
}

function phoneFields(shape: Shape, record: R): R {
  const out: R = {};
  for (const [type, field] of Object.entries(shape.phones) as Array<[PhoneNumber['phone_number_type'], string]>) {
    const listed =
      Array.isArray(record.phone_numbers) &&
      record.phone_numbers.some((p) => (p as Partial<PhoneNumber>)?.phone_number_type === type || (type === 'primary' && !p?.phone_number_type));
    if (listed) out[field] = phoneOf(record, type) ?? null;
  }
  return out;
}

function addressFields(shape: Shape, record: R): R {
  const out: R = {};
  const list = Array.isArray(record.addresses) ? (record.addresses as Partial<Address>[]) : [];
  for (const [type, prefix] of Object.entries(shape.addresses) as Array<[AddressType, string]>) {
    if (!list.some((a) => a?.address_type === type)) continue;
    const a = addressOf(record, type)!;
    // Salesforce keeps one street field: the second line follows the first after a newline.
    const street = [a.street_1, a.street_2].filter((s) => typeof s === 'string' && s !== '').join('\n');
    Object.assign(out, { [`${prefix}Street`]: street || null, [`${prefix}City`]: a.city ?? null, [`${prefix}State`]: a.state ?? null });
    Object.assign(out, { [`${prefix}PostalCode`]: a.postal_code ?? null, [`${prefix}Country`]: a.country ?? null });
  }
  return out;
}

/** YYYY-MM-DD (UTC) of an ISO date or date-time: Salesforce's CloseDate is a date; undefined when unparseable. */
function dateOnly(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}
