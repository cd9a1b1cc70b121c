export {
  parseConnectorDefinition,
  connectionParameterNames,
  ConnectorDefinitionError,
  type ConnectorDefinition,
  type DefinitionIssue,
} from './definition';
export { inferSchema, type JSONSchema } from './infer-schema';
