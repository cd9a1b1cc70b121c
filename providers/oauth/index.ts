export { OAuthSession, expiresAtMs, type OAuthSessionOptions } from './session';
export { providerAuth, type ProviderAuth } from './bearer';
