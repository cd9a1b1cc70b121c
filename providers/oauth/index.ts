export { OAuthSession } from './session';
export { providerAuth, type ProviderAuth } from './bearer';
