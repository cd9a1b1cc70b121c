/** Small conversions shared by the unified mappers. */
import { LIFECYCLE_STAGES, type Address, type AddressType, type EmailAddress, type LifecycleStage, type PhoneNumber } from './model';

export const str = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : typeof v === 'object' ? null : String(v));

/** ISO 8601 from an ISO string, epoch millis, or a "YYYY-MM-DD HH:MM:SS" UTC string (Pipedrive); null when unparseable. */
export function iso(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string' && /^\d{10,}$/.test(v)) ms = Number(v);
  else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(v)) ms = Date.parse(`${v.replace(' ', 'T')}Z`);
  else if (typeof v === 'string') ms = Date.parse(v);
  else return null;
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function date(v: unknown): Date | null {
  const s = iso(v);
  return s ? new Date(s) : null;
}

export function num(v: unknown): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

export function int(v: unknown): number | null {
  const n = num(v);
  return n === null ? null : Math.trunc(n);
}

export function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

export function lifecycleStage(v: unknown): LifecycleStage | null {
  const s = str(v)?.toLowerCase();
  return s && (LIFECYCLE_STAGES as readonly string[]).includes(s) ? (s as LifecycleStage) : null;
}

/** An address, or none when every part is empty. */
export function address(
  type: AddressType,
  parts: { street_1?: unknown; street_2?: unknown; city?: unknown; state?: unknown; postal_code?: unknown; country?: unknown },
): Address[] {
  const a: Address = {
    address_type: type,
    city: str(parts.city),
    country: str(parts.country),
    postal_code: str(parts.postal_code),
    state: str(parts.state),
    street_1: str(parts.street_1),
    street_2: str(parts.street_2),
  };
  return a.city || a.country || a.postal_code || a.state || a.street_1 || a.street_2 ? [a] : [];
}

// The reverse direction, for writes through the common model (create_update_contact, ...).

/** The email of that type (else the first), from a common record's `email_addresses`. */
export function emailOf(record: Record<string, unknown>, type: EmailAddress['email_address_type'] = 'primary'): string | undefined {
  const list = Array.isArray(record.email_addresses) ? (record.email_addresses as Partial<EmailAddress>[]) : [];
  const found = list.find((e) => e?.email_address_type === type) ?? (type === 'primary' ? list[0] : undefined);
  return typeof found?.email_address === 'string' ? found.email_address : undefined;
}

/** The phone number of that type (`primary` falls back to the first), from `phone_numbers`. */
export function phoneOf(record: Record<string, unknown>, type: PhoneNumber['phone_number_type']): string | undefined {
  const list = Array.isArray(record.phone_numbers) ? (record.phone_numbers as Partial<PhoneNumber>[]) : [];
  const found = list.find((p) => p?.phone_number_type === type) ?? (type === 'primary' ? list.find((p) => !p?.phone_number_type) : undefined);
  return typeof found?.phone_number === 'string' ? found.phone_number : undefined;
}

/** The address of the first listed type present (else the first), from `addresses`. */
export function addressOf(record: Record<string, unknown>, ...types: AddressType[]): Partial<Address> | undefined {
  const list = Array.isArray(record.addresses) ? (record.addresses as Partial<Address>[]) : [];
  for (const t of types) {
    const found = list.find((a) => a?.address_type === t);
    if (found) return found;
  }
  return list[0];
}

/** Only the keys the caller gave: an update must not blank out fields it did not mention. */
export function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
