/**
 * How the connector catalog presents the built-in providers (providers/registry.ts): label, icon,
 * description and the parameters a connection may carry. OAuth tokens come from the hosted connect
 * (docs/connect.md) or from a connection made elsewhere (`access_token` / `refresh_token`).
 */
export interface CatalogParameter {
  name: string;
  label?: string;
  required: boolean;
  secret: boolean;
  description?: string;
}

export interface BuiltinConnector {
  id: string;
  label: string;
  category: 'crm';
  auth_type: 'oauth2' | 'api_key';
  icon: string;
  description: string;
  parameters: CatalogParameter[];
}

const oauthTokens: CatalogParameter[] = [
  { name: 'access_token', label: 'Access token', required: false, secret: true, description: 'For a connection authorized elsewhere; the hosted connect obtains it otherwise.' },
  { name: 'refresh_token', label: 'Refresh token', required: false, secret: true, description: 'Renews the access token before it expires.' },
];

export const BUILTIN_CONNECTORS: readonly BuiltinConnector[] = [
  {
    id: 'hubspot',
    label: 'HubSpot',
    category: 'crm',
    auth_type: 'oauth2',
    icon: 'https://cdn.simpleicons.org/hubspot',
    description: 'HubSpot CRM: contacts, companies, deals, tickets, products, line items, owners and custom objects; reads and writes.',
    parameters: [...oauthTokens, { name: 'instance_url', label: 'API base URL', required: false, secret: false, description: 'Defaults to https://api.hubapi.com.' }],
  },
  {
    id: 'salesforce',
    label: 'Salesforce',
    category: 'crm',
    auth_type: 'oauth2',
    icon: 'https://cdn.simpleicons.org/salesforce',
    description: 'Salesforce: accounts, contacts, leads, opportunities, users and any queryable standard or custom object; reads (REST or Bulk API 2.0) and writes.',
    parameters: [
      ...oauthTokens,
      { name: 'instance_url', label: 'Instance URL', required: false, secret: false, description: 'The org’s API host; the OAuth token response sets it.' },
      {
        name: 'login_url',
        label: 'Login URL',
        required: false,
        secret: false,
        description: 'https://test.salesforce.com for a sandbox; defaults to https://login.salesforce.com.',
      },
      { name: 'api_version', label: 'API version', required: false, secret: false, description: 'Defaults to v58.0.' },
      { name: 'bulk_api', label: 'Use Bulk API 2.0', required: false, secret: false, description: '`true`: full reads run as Bulk API 2.0 query jobs.' },
    ],
  },
  {
    id: 'pipedrive',
    label: 'Pipedrive',
    category: 'crm',
    auth_type: 'oauth2',
    icon: 'https://cdn.simpleicons.org/pipedrive',
    description: 'Pipedrive CRM: persons, organizations, deals, leads, users, activities, products and notes; reads and writes.',
    parameters: [...oauthTokens, { name: 'api_key', label: 'API token', required: false, secret: true, description: 'A personal API token instead of OAuth.' }],
  },
];
