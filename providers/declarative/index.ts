export { createDeclarativeConnection } from './connector';
export {
  connectorDefinitionSchema,
  parseConnectorDefinition,
  connectionParameterNames,
  definitionIssues,
  ConnectorDefinitionError,
  type ConnectorDefinition,
  type ConnectorDefinitionInput,
  type StreamDefinition,
  type DefinitionIssue,
} from './definition';
export { inferSchema, type JSONSchema } from './infer-schema';
