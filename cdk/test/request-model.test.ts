import * as fs from 'fs';
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Template } from 'aws-cdk-lib/assertions';
import { toCdkJsonSchema } from '../lib/jobs-api';
import { CREATE_JOB_SCHEMA } from '../lib/paths';

function renderModel(doc: unknown): unknown {
  const stack = new Stack(new App(), 'S');
  const api = new apigateway.RestApi(stack, 'Api');
  api.root.addMethod('GET');
  api.addModel('M', { contentType: 'application/json', schema: toCdkJsonSchema(doc) });
  return Object.values(Template.fromStack(stack).findResources('AWS::ApiGateway::Model'))[0].Properties.Schema;
}

describe('toCdkJsonSchema', () => {
  test('renders the shared request schema unchanged', () => {
    const doc = JSON.parse(fs.readFileSync(CREATE_JOB_SCHEMA, 'utf8'));
    expect(renderModel(doc)).toEqual(doc);
  });

  test('keeps $ref, nested schemas, and property names that look like keywords', () => {
    const doc = {
      $schema: 'http://json-schema.org/draft-04/schema#',
      type: 'object',
      definitions: { positive: { type: 'integer', minimum: 1 } },
      properties: {
        $schema: { type: 'string' },
        seconds: { $ref: '#/definitions/positive' },
        tags: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    };
    expect(renderModel(doc)).toEqual(doc);
  });

  test('refuses schema drafts API Gateway does not support', () => {
    expect(() => toCdkJsonSchema({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' })).toThrow(/draft 4/);
  });
});
