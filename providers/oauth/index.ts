export { OAuthSession, expiresAtMs, type OAuthSessionOptions } from './session';
export { credentialLockFor } from './store';
export { providerAuth, type ProviderAuth } from './bearer';
