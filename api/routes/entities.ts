import * as entities from '../../services/catalog/entities';
import type { AppDeps } from '../deps';
import { createUpdateEntitySchema, entityIdParam, entitySchema } from '../schemas/entities';
import { namedConfigRoutes } from './named-configs';

export function entityRoutes(deps: AppDeps) {
  return namedConfigRoutes(deps, {
    path: '/entities',
    tag: 'Entities',
    one: 'Entity',
    many: 'Entities',
    idParam: 'entity_id',
    params: entityIdParam,
    body: createUpdateEntitySchema,
    row: entitySchema,
    deleteDescription: "Refused with 409 while a provider's entity mappings or a sync use the entity.",
    service: { list: entities.listEntities, create: entities.createEntity, get: entities.getEntity, update: entities.updateEntity, delete: entities.deleteEntity },
  });
}
