/** Either the environment key or a tenant token (`token=`) authorises a request. */
export const security: Array<Record<string, string[]>> = [{ 'x-api-key': [] }, { token: [] }];
