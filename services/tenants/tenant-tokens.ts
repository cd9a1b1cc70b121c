/**
 * Tenant tokens: JWTs an application signs with its own private key to let one of its tenants (a
 * customer, by external id) call the tenant-scoped APIs (Hotglue v2's `token`) without the
 * application's API key. The application registers only the public key; verification is jose's.
 *
 * A token is accepted when its signature verifies with that key under the key's `alg`, `exp` is in
 * the future, `iss` is the application id, `aud` is TENANT_TOKEN_AUDIENCE, and its tenant claim
 * (`tenant`, else `sub`) names the tenant the request is for. The token itself is never stored or logged.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { TenantTokenKey } from '../../db/database';
import { findTenantTokenKey, setTenantTokenKey } from '../../db/repositories/applications';
import { InvalidInputError, NotFoundError } from '../../lib/errors';
import type { ServiceDeps } from '../deps';

export const TENANT_TOKEN_AUDIENCE = 'syncwell';

/** Seconds of clock skew allowed between the application's signer and this server (exp, nbf, iat). */
const CLOCK_TOLERANCE_S = 30;

const RSA_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGS: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
const MIN_RSA_BITS = 2048;

export interface TenantTokenKeyInput {
  jwk?: Record<string, unknown>;
  pem?: string;
  alg?: string;
}

const invalid = (path: string, message: string, code = 'invalid_key') => new InvalidInputError(message, { issues: [{ path, message, code }] });

/** Private JWK members (RFC 7518): a key carrying any of them is a private key. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function publicKeyOf(input: TenantTokenKeyInput): { key: KeyObject; field: string } {
  if ((input.jwk === undefined) === (input.pem === undefined)) throw invalid('', 'give exactly one of jwk and pem', 'invalid_union');
  if (input.jwk !== undefined) {
    if (PRIVATE_JWK_MEMBERS.some((m) => m in input.jwk!)) throw invalid('jwk', 'this is a private or symmetric key: register only the public key');
    try {
      return { key: createPublicKey({ key: input.jwk as never, format: 'jwk' }), field: 'jwk' };
    } catch {
      throw invalid('jwk', 'not a public JWK (RSA, EC or OKP)');
    }
  }
  // createPublicKey derives the public half of a private key: refuse one rather than store its public half silently.
  if (/PRIVATE KEY/.test(input.pem!)) throw invalid('pem', 'this is a private key: register only the public key (BEGIN PUBLIC KEY)');
  try {
    return { key: createPublicKey(input.pem!), field: 'pem' };
  } catch {
    throw invalid('pem', 'not a PEM public key (BEGIN PUBLIC KEY)');
  }
}

/** The algorithm tokens must be signed with: the one given, if the key can sign with it, else the key type's usual one. */
function algorithmFor(key: KeyObject, field: string, alg: string | undefined): string {
  const type = key.asymmetricKeyType;
  let allowed: string[];
  if (type === 'rsa' || type === 'rsa-pss') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) throw invalid(field, `an RSA key must have at least ${MIN_RSA_BITS} bits`);
    allowed = type === 'rsa-pss' ? RSA_ALGS.filter((a) => a.startsWith('PS')) : RSA_ALGS;
  } else if (type === 'ec') {
    const curveAlg = EC_ALGS[key.export({ format: 'jwk' }).crv ?? ''];
    if (!curveAlg) throw invalid(field, 'EC keys must be on P-256, P-384 or P-521');
    allowed = [curveAlg];
  } else if (type === 'ed25519') {
    allowed = ['EdDSA'];
  } else {
    throw invalid(field, `unsupported key type ${type}: use RSA, EC (P-256/384/521) or Ed25519`);
  }
  if (alg === undefined) return allowed[0]!;
  if (!allowed.includes(alg)) throw invalid('alg', `this key signs with ${allowed.join(', ')}, not ${alg}`, 'invalid_alg');
  return alg;
}

/** What the API shows of the registered key: the public JWK, its alg, and what tokens must carry. */
function keyView(applicationId: string, key: TenantTokenKey) {
  return { alg: key.alg, jwk: key.jwk, issuer: applicationId, audience: TENANT_TOKEN_AUDIENCE };
}

/** Registers (or replaces) the application's public key; tokens signed with the previous key stop verifying. */
export async function putTenantTokenKey(deps: ServiceDeps, applicationId: string, input: TenantTokenKeyInput) {
  const { key, field } = publicKeyOf(input);
  const alg = algorithmFor(key, field, input.alg);
  const stored: TenantTokenKey = { alg, jwk: key.export({ format: 'jwk' }) as Record<string, unknown> };
  await setTenantTokenKey(deps.db, applicationId, stored);
  return keyView(applicationId, stored);
}

export async function getTenantTokenKey(deps: ServiceDeps, applicationId: string) {
  const key = await findTenantTokenKey(deps.db, applicationId);
  if (!key) throw new NotFoundError('Tenant token key', 'No tenant token key is registered for this application');
  return keyView(applicationId, key);
}

export async function deleteTenantTokenKey(deps: ServiceDeps, applicationId: string): Promise<void> {
  await setTenantTokenKey(deps.db, applicationId, null);
}

export type TenantTokenVerdict =
  /** `tenant`: the tenant the token is for. */
  | { ok: true; tenant: string }
  /** invalid: not a token of this application (signature, exp, iss, aud, claims); wrong_tenant: a valid token of another tenant. */
  | { ok: false; reason: 'invalid' | 'wrong_tenant'; detail: string };

/**
 * Verifies `token` for `applicationId`; with `tenant`, also that it is that tenant's token.
 * The detail never repeats the token or its claims' values beyond the tenant.
 */
export async function verifyTenantToken(deps: ServiceDeps, applicationId: string, token: string, tenant?: string): Promise<TenantTokenVerdict> {
  const key = await findTenantTokenKey(deps.db, applicationId);
  if (!key) return { ok: false, reason: 'invalid', detail: 'no tenant token key is registered for this environment' };
  let payload: Record<string, unknown>;
  try {
    const publicKey = createPublicKey({ key: key.jwk as never, format: 'jwk' });
    ({ payload } = await jwtVerify(token, publicKey, {
      algorithms: [key.alg],
      issuer: applicationId,
      audience: TENANT_TOKEN_AUDIENCE,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (err) {
    return { ok: false, reason: 'invalid', detail: `invalid token: ${rejectionOf(err)}` };
  }
  const claimed = typeof payload.tenant === 'string' ? payload.tenant : typeof payload.sub === 'string' ? payload.sub : undefined;
  if (!claimed) return { ok: false, reason: 'invalid', detail: 'invalid token: it names no tenant (claim "tenant" or "sub")' };
  if (typeof payload.tenant === 'string' && typeof payload.sub === 'string' && payload.tenant !== payload.sub) {
    return { ok: false, reason: 'invalid', detail: 'invalid token: claims "tenant" and "sub" differ' };
  }
  if (tenant !== undefined && claimed !== tenant) return { ok: false, reason: 'wrong_tenant', detail: `the token is not for tenant ${tenant}` };
  return { ok: true, tenant: claimed };
}

/** jose's reason, in words that do not echo the token. */
function rejectionOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim "${err.claim}" ${err.reason === 'missing' ? 'is missing' : 'is not as expected'}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature does not verify with the registered key';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'signed with another algorithm than the registered key';
  return 'not a signed JWT';
}
