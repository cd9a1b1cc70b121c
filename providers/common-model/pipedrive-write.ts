/**
 * Supaglue common model (create_update_contact, _account, _opportunity) → Pipedrive v1 fields: the
 * reverse of pipedrive.ts, so a record written here reads back the same. Only the fields given are
 * sent (an update must not blank the others); null clears a field. Common fields Pipedrive has no
 * standard field for (lifecycle_stage, description, industry, website, number_of_employees, a
 * contact's addresses, an account's phone_numbers) are not sent: pipedrive.ts reads them as
 * null / [] too. `custom_fields` go through under their Pipedrive keys; a mapped field of the same
 * key wins.
 */
import { addressOf, defined, emailOf, iso, str } from './helpers';
import type { EmailAddress, PhoneNumber } from './model';
import type { WriteRejection } from '../types';

type Fields = Record<string, unknown>;

export type PipedriveWritableCommon = 'contact' | 'account' | 'opportunity';
export const PIPEDRIVE_WRITABLE_COMMON: readonly PipedriveWritableCommon[] = ['contact', 'account', 'opportunity'];

export type PipedriveWriteFields = { ok: true; fields: Fields } | { ok: false; error: WriteRejection };

/** A common field's value Pipedrive cannot take: the record is refused before any request. */
class Unwritable extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Pipedrive ids are integers; the common model carries them as strings. */
function pdId(field: string, v: unknown): number | null | undefined {
  if (v === undefined || v === null) return v;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  throw new Unwritable(field, `${field} must be a Pipedrive id (an integer), not ${JSON.stringify(v)}`);
}

const emails = (list: unknown) =>
  (Array.isArray(list) ? (list as Partial<EmailAddress>[]) : [])
    .filter((e) => str(e?.email_address))
    .map((e) => ({ value: e.email_address, primary: e.email_address_type === 'primary', label: e.email_address_type === 'other' ? 'other' : 'work' }));

const PHONE_LABEL: Record<PhoneNumber['phone_number_type'], string> = { primary: 'work', mobile: 'mobile', fax: 'fax', other: 'other' };
const phones = (list: unknown) =>
  (Array.isArray(list) ? (list as Partial<PhoneNumber>[]) : [])
    .filter((p) => str(p?.phone_number))
    .map((p) => ({ value: p.phone_number, primary: p.phone_number_type === 'primary', label: PHONE_LABEL[p.phone_number_type ?? 'other'] ?? 'other' }));

const given = (record: Fields, key: string) => Object.hasOwn(record, key) && record[key] !== undefined;

/**
 * Pipedrive names a person by `name`, splitting it at the first space into first_name / last_name
 * unless those are given too. An update that gives only one part needs the other as stored, to send
 * the whole name and both parts (else "Alan M." + "Turing" would come back as "Alan" + "M. Turing").
 */
export function contactNeedsStoredName(record: Fields): boolean {
  return given(record, 'first_name') !== given(record, 'last_name');
}

function personFields(r: Fields, stored?: { first_name?: unknown; last_name?: unknown }): Fields {
  const hasName = given(r, 'first_name') || given(r, 'last_name');
  const first = given(r, 'first_name') ? str(r.first_name) : str(stored?.first_name);
  const last = given(r, 'last_name') ? str(r.last_name) : str(stored?.last_name);
  return defined({
    name: hasName ? [first, last].filter(Boolean).join(' ') || null : undefined,
    first_name: given(r, 'first_name') || stored ? first : undefined,
    last_name: given(r, 'last_name') || stored ? last : undefined,
    email: given(r, 'email_addresses') ? emails(r.email_addresses) : undefined,
    phone: given(r, 'phone_numbers') ? phones(r.phone_numbers) : undefined,
    org_id: pdId('account_id', r.account_id),
    owner_id: pdId('owner_id', r.owner_id),
  });
}

/**
 * Pipedrive geocodes the `address` string into address_* parts; the parts are sent too, so what
 * reads back is what was written (street_1 as the route: pipedrive.ts joins number and route).
 */
function organizationFields(r: Fields): Fields {
  let address: Fields = {};
  if (given(r, 'addresses')) {
    const a = addressOf(r, 'primary', 'billing', 'mailing', 'shipping', 'other');
    const formatted = a ? [a.street_1, a.street_2, [a.postal_code, a.city].filter((x) => str(x)).join(' '), a.state, a.country].filter((x) => str(x)).join(', ') : '';
    address =
      !a || formatted === ''
        ? { address: null }
        : {
            address: formatted,
            address_route: str(a.street_1),
            address_subpremise: str(a.street_2),
            address_locality: str(a.city),
            address_admin_area_level_1: str(a.state),
            address_postal_code: str(a.postal_code),
            address_country: str(a.country),
          };
  }
  return defined({ name: given(r, 'name') ? str(r.name) : undefined, ...address, owner_id: pdId('owner_id', r.owner_id) });
}

const STATUS: Record<string, string> = { OPEN: 'open', WON: 'won', LOST: 'lost' };

function dealFields(r: Fields): Fields {
  let status: string | null | undefined;
  if (given(r, 'status') && r.status !== null) {
    status = STATUS[String(r.status).toUpperCase()];
    if (!status) throw new Unwritable('status', `status must be OPEN, WON or LOST, not ${JSON.stringify(r.status)}`);
  }
  let closeDate: string | null | undefined = given(r, 'close_date') ? null : undefined;
  if (given(r, 'close_date') && r.close_date !== null) {
    const at = iso(r.close_date);
    if (!at) throw new Unwritable('close_date', `close_date must be a date, not ${JSON.stringify(r.close_date)}`);
    closeDate = at.slice(0, 10);
  }
  const amount = r.amount;
  if (amount !== undefined && amount !== null && (typeof amount !== 'number' || !Number.isFinite(amount))) {
    throw new Unwritable('amount', `amount must be a number, not ${JSON.stringify(amount)}`);
  }
  return defined({
    title: given(r, 'name') ? str(r.name) : undefined,
    value: amount,
    // Pipedrive stages and pipelines are ids: a stage by name would need the pipeline's stage list.
    stage_id: pdId('stage', r.stage),
    pipeline_id: pdId('pipeline', r.pipeline),
    status,
    expected_close_date: closeDate,
    org_id: pdId('account_id', r.account_id),
    user_id: pdId('owner_id', r.owner_id),
  });
}

/** The Pipedrive fields for a common record; `storedName` is the person as stored, when contactNeedsStoredName. */
export function pipedriveWriteFields(object: PipedriveWritableCommon, record: Fields, storedName?: { first_name?: unknown; last_name?: unknown }): PipedriveWriteFields {
  const custom = record.custom_fields && typeof record.custom_fields === 'object' && !Array.isArray(record.custom_fields) ? (record.custom_fields as Fields) : {};
  try {
    const mapped = object === 'contact' ? personFields(record, storedName) : object === 'account' ? organizationFields(record) : dealFields(record);
    return { ok: true, fields: { ...custom, ...mapped } };
  } catch (err) {
    if (err instanceof Unwritable) return { ok: false, error: { message: err.message, field: err.field, code: 'invalid_value', status: 400 } };
    throw err;
  }
}

/** The Pipedrive field of a common one, for the rejections Pipedrive words in its own fields. */
const COMMON_FIELD: Record<PipedriveWritableCommon, Record<string, string>> = {
  contact: { email: 'email_addresses', phone: 'phone_numbers', org_id: 'account_id' },
  account: { address: 'addresses' },
  opportunity: { title: 'name', value: 'amount', stage_id: 'stage', pipeline_id: 'pipeline', expected_close_date: 'close_date', org_id: 'account_id', user_id: 'owner_id' },
};

export function commonFieldOf(object: PipedriveWritableCommon, pipedriveField: string): string {
  return COMMON_FIELD[object][pipedriveField] ?? pipedriveField;
}

/** Upsert matches a common record by a field Pipedrive can search exactly: the field searched and the term. */
export function commonMatch(object: PipedriveWritableCommon, matchField: string, record: Fields): { field: string; term: string | undefined } | undefined {
  if (object === 'contact' && matchField === 'email') return { field: 'email', term: emailOf(record) };
  if (object === 'account' && matchField === 'name') return { field: 'name', term: str(record.name) ?? undefined };
  if (object === 'opportunity' && matchField === 'name') return { field: 'title', term: str(record.name) ?? undefined };
  return undefined;
}
