export { OAuthSession, expiresAtMs, type OAuthSessionOptions } from './session';
export { credentialLockFor } from './store';
