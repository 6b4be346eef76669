import * as fs from 'fs';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CREATE_JOB_SCHEMA } from './paths';

const DRAFT4 = 'http://json-schema.org/draft-04/schema#';

/**
 * Turns a draft-4 JSON Schema document into CDK's JsonSchema, which spells `$schema`,
 * `$ref` and `$id` without the dollar and maps them back when it renders the model.
 * Anything else is already in CDK's spelling.
 */
export function toCdkJsonSchema(doc: unknown): apigateway.JsonSchema {
  if (Array.isArray(doc)) {
    return doc.map(toCdkJsonSchema) as unknown as apigateway.JsonSchema;
  }
  if (doc === null || typeof doc !== 'object') {
    return doc as apigateway.JsonSchema;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (key === '$schema') {
      if (value !== DRAFT4) {
        // API Gateway models only understand draft 4.
        throw new Error(`request model must be JSON Schema draft 4, got ${String(value)}`);
      }
      out.schema = apigateway.JsonSchemaVersion.DRAFT4;
    } else if (key === '$ref') {
      out.ref = value;
    } else if (key === '$id') {
      out.id = value;
    } else if (key === 'properties' || key === 'definitions' || key === 'patternProperties') {
      // Keys of these maps are property names, not keywords: keep them as they are.
      out[key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, toCdkJsonSchema(v)]));
    } else if (typeof value === 'object' && value !== null) {
      out[key] = toCdkJsonSchema(value);
    } else {
      out[key] = value;
    }
  }
  return out as apigateway.JsonSchema;
}

export interface JobsApiProps {
  readonly handler: lambda.IFunction;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly stageName?: string;
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
}

/** The REST API: IAM-authorized, validated, proxied to the api Lambda. */
export class JobsApi extends Construct {
  readonly restApi: apigateway.RestApi;
  readonly createJob: apigateway.Method;
  readonly getJob: apigateway.Method;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: JobsApiProps) {
    super(scope, id);
    const throttling = props.throttling ?? { rateLimit: 50, burstLimit: 100 };

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.restApi = new apigateway.RestApi(this, 'RestApi', {
      description: 'Asynchronous jobs API',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Access logging needs the account-level CloudWatch role; without one in the
      // account the first deploy fails, so the stack provides it. It is retained on
      // destroy (the default): other APIs of the account may log through it.
      cloudWatchRole: true,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Request and response bodies stay out of execution logs; the access log has
        // what is needed to find a request.
        dataTraceEnabled: false,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
    });

    const validator = this.restApi.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    // Loaded at synth time from the file the local gateway loads too, so both reject
    // exactly the same bodies.
    const schema = JSON.parse(fs.readFileSync(CREATE_JOB_SCHEMA, 'utf8'));
    const createJobModel = this.restApi.addModel('CreateJobRequest', {
      contentType: 'application/json',
      modelName: 'CreateJobRequest',
      description: schema.description,
      schema: toCdkJsonSchema(schema),
    });

    const integration = new apigateway.LambdaIntegration(props.handler, { proxy: true });
    const jobs = this.restApi.root.addResource('jobs');
    this.createJob = jobs.addMethod('POST', integration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: validator,
      requestModels: { 'application/json': createJobModel },
      // A client retrying a POST can send this; the api Lambda deduplicates on it.
      requestParameters: { 'method.request.header.Idempotency-Key': false },
    });
    this.getJob = jobs.addResource('{jobId}').addMethod('GET', integration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: validator,
      requestParameters: { 'method.request.path.jobId': true },
    });
  }

  /** Allows calling exactly the two methods on the deployed stage, nothing else. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.createJob.methodArn, this.getJob.methodArn],
    });
  }
}
