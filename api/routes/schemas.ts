import * as schemas from '../../services/catalog/schemas';
import type { AppDeps } from '../deps';
import { createUpdateSchemaSchema, schemaIdParam, schemaSchema } from '../schemas/schemas';
import { namedConfigRoutes } from './named-configs';

export function schemaRoutes(deps: AppDeps) {
  return namedConfigRoutes(deps, {
    path: '/schemas',
    tag: 'Schemas',
    one: 'Schema',
    many: 'Schemas',
    idParam: 'schema_id',
    params: schemaIdParam,
    body: createUpdateSchemaSchema,
    row: schemaSchema,
    deleteDescription: "Refused with 409 while a provider's `objects` reference the schema.",
    service: { list: schemas.listSchemas, create: schemas.createSchema, get: schemas.getSchema, update: schemas.updateSchema, delete: schemas.deleteSchema },
  });
}
