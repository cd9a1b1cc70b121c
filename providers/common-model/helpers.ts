/** Small conversions shared by the unified mappers. */
import { LIFECYCLE_STAGES, type Address, type AddressType, type LifecycleStage } from './model';

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
