/** Field mappings shape `_supaglue_mapped_data` at sync time; a mapping to a field the provider lost pauses the sync. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
const headers = { 'x-customer-id': 'customer-1', 'x-provider-name': 'acme-crm' };
const contacts = { object_type: 'standard', object: 'contacts' };

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(20));
});
afterAll(async () => {
  await source?.close();
  await s?.close();
});

async function mappedRows() {
  const { rows } = await s.destPool.query(`select _supaglue_id as id, _supaglue_mapped_data as mapped from public.acme_crm_contacts order by _supaglue_id`);
  return rows as Array<{ id: string; mapped: Record<string, unknown> }>;
}

describe('field mappings at sync time', () => {
  it('writes { schema field: mapped provider field } for every record, and pauses when a mapped field disappears', async () => {
    const { connect, customerId } = await configure(s, source, { autoStart: false });
    const schema = await ok(
      s.tenant.request('POST', '/schemas', {
        body: { name: 'person', config: { fields: [{ name: 'full_name' }, { name: 'email', mapped_name: 'email' }], allow_additional_field_mappings: false } },
      }),
      201,
    );
    const provider = (await ok(s.tenant.request('GET', '/providers')))[0];
    await ok(
      s.tenant.request('PUT', `/providers/${provider.id}`, {
        body: { auth_type: 'api_key', category: 'no_category', name: 'acme-crm', objects: { standard: [{ name: 'contacts', schema_id: schema.id }] } },
      }),
    );
    await connect();
    // The customer maps the schema's full_name to the provider's `name`.
    await ok(
      s.tenant.request('PUT', '/field_mappings/_update_object', {
        headers,
        body: { name: 'contacts', type: 'standard', field_mappings: [{ schema_field: 'full_name', mapped_field: 'name' }] },
      }),
    );

    await s.worker.run(async () => {
      await ok(s.tenant.request('POST', '/syncs/_trigger', { headers, body: contacts }));
      const [run] = await waitForRuns(s.tenant, customerId, 1);
      expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: 20 });
      const rows = await mappedRows();
      expect(rows).toHaveLength(20);
      for (const r of rows) {
        const c = source.contacts.get(r.id)!;
        expect(r.mapped).toEqual({ full_name: c.name, email: c.email });
      }

      // The provider stops returning `name`: the run fails and the sync pauses with that reason.
      for (const c of [...source.contacts.values()]) {
        const { name: _dropped, ...rest } = c;
        source.contacts.set(c.id, rest as typeof c);
      }
      await ok(s.tenant.request('POST', '/syncs/_trigger', { headers, body: { ...contacts, perform_full_refresh: true } }));
      const [failed] = await waitForRuns(s.tenant, customerId, 2);
      expect(failed!.status).toBe('FAILURE');
      expect(failed!.error_message).toMatch(/field mapping references field\(s\) the provider no longer returns: name/);
      const sync = (await ok(s.tenant.request('GET', `/syncs?customer_id=${customerId}`))).results[0];
      expect(sync).toMatchObject({ paused: true, pause_reason: expect.stringMatching(/no longer returns: name/) });
    });
    // Nothing of the failed run was written: the previous mapped rows are intact.
    expect((await mappedRows()).every((r) => typeof r.mapped.full_name === 'string')).toBe(true);
  });
});
