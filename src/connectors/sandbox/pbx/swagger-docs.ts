import { modelsFor } from './ari-models.js';
import { ARI_OPERATIONS, ARI_RESOURCES, type AriResource } from './ari-operations.js';

const API_VERSION = '9.0.0';

/**
 * `/ari/api-docs/resources.json`: the resource listing ari-client reads first. Like Asterisk,
 * the base path is rebuilt from the request's Host so clients call back the address they used.
 * The version is declared 1.2 (Asterisk says 1.1, which makes swagger-client 2.0 print a
 * deprecation notice on every connect; it parses both the same way).
 */
export function renderResourceListing(baseUrl: string): object {
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.2',
    basePath: `${baseUrl}/ari`,
    apis: ARI_RESOURCES.map((resource) => ({
      path: `/api-docs/${resource}.{format}`,
      description: `${resource} resources`,
    })),
  };
}

/**
 * One API declaration (`/ari/api-docs/channels.json`, ...), or null for an unknown resource.
 * Field names follow Asterisk's generator (`httpMethod`, `responseClass`, `errorResponses`,
 * `dataType`), which is what ari-client is used to; `List[Channel]` response classes are how
 * ari-client knows to wrap results as resource objects.
 */
export function renderApiDeclaration(baseUrl: string, name: string): object | null {
  const resource = ARI_RESOURCES.find((candidate) => candidate === name);
  if (!resource) return null;
  const byPath = new Map<string, object[]>();
  for (const spec of ARI_OPERATIONS.filter((candidate) => candidate.resource === resource)) {
    const operations = byPath.get(spec.path) ?? [];
    operations.push({
      httpMethod: spec.httpMethod,
      nickname: spec.nickname,
      responseClass: spec.responseClass,
      parameters: spec.parameters,
      errorResponses: spec.errorResponses,
      ...(resource === 'events' ? { upgrade: 'websocket', websocketProtocol: 'ari' } : {}),
    });
    byPath.set(spec.path, operations);
  }
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.2',
    basePath: `${baseUrl}/ari`,
    resourcePath: `/api-docs/${resource}.{format}`,
    produces: ['application/json'],
    consumes: ['application/json'],
    apis: [...byPath].map(([path, operations]) => ({ path, operations })),
    models: modelsFor(resource as AriResource),
  };
}
