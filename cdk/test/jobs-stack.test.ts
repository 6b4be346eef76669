import * as fs from 'fs';
import { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { JobsStack } from '../lib/jobs-stack';
import { EXPRESS_LIMIT_SECONDS } from '../lib/jobs-workflow';
import { CREATE_JOB_SCHEMA, LAMBDA_FUNCTIONS, STATE_MACHINE_DEFINITION } from '../lib/paths';
import { matches, transform } from './eventbridge';
import { getAtt, permissionsOfRole, ref, resourceByPrefix, synthJobsStack } from './synth';

let stack: JobsStack;
let template: Template;
let id: (c: IConstruct) => string;

beforeAll(() => {
  ({ stack, template } = synthJobsStack());
  id = (c: IConstruct) => stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
});

describe('jobs table', () => {
  test('is keyed by id, on demand, with PITR, KMS encryption and the expiresAt TTL', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          { AttributeName: 'unfinishedShard', AttributeType: 'S' },
          { AttributeName: 'updatedAt', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: getAtt(id(stack.table.key)) },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('every KMS key rotates', () => {
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key.Properties.EnableKeyRotation).toBe(true);
    }
  });
});

describe('Rust functions', () => {
  // The processor's timeout follows the job's limit, as `jobs generate` wrote
  // it into the definition: just under the ProcessJob task's.
  const taskTimeout = () => JSON.parse(fs.readFileSync(STATE_MACHINE_DEFINITION, 'utf8')).States.ProcessJob.TimeoutSeconds;
  // Memory and timeout as lambdas/functions.json declares them.
  const declared = (key: string) => {
    const fn = LAMBDA_FUNCTIONS.find((f) => f.key === key)!;
    return { memory: fn.memoryMb, timeout: fn.timeoutSeconds === 'fromJob' ? taskTimeout() - 5 : fn.timeoutSeconds };
  };
  const specs = () => [
    { fn: stack.functions.api, log: stack.functions.logGroups.api, ...declared('api'), env: ['JOBS_TABLE_NAME', 'STATE_MACHINE_ARN', 'AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH'] },
    { fn: stack.functions.processor, log: stack.functions.logGroups.processor, ...declared('processor'), env: ['JOBS_TABLE_NAME'] },
    { fn: stack.functions.errorHandler, log: stack.functions.logGroups.errorHandler, ...declared('errorHandler'), env: ['JOBS_TABLE_NAME'] },
    {
      fn: stack.functions.sweeper,
      log: stack.functions.logGroups.sweeper,
      ...declared('sweeper'),
      env: ['JOBS_TABLE_NAME', 'STATE_MACHINE_ARN', 'WORKFLOW_TIMEOUT_SECONDS', 'SWEEP_PERIOD_SECONDS', 'MAX_REDRIVES', 'SWEEP_BATCH'],
    },
  ];

  test('there is exactly one function per declared one', () => {
    template.resourceCountIs('AWS::Lambda::Function', LAMBDA_FUNCTIONS.length);
    expect(specs()).toHaveLength(LAMBDA_FUNCTIONS.length);
  });

  test('run on provided.al2023 arm64 with X-Ray, JSON logs to their own log group, sized per role', () => {
    for (const s of specs()) {
      const props = template.toJSON().Resources[id(s.fn)].Properties;
      expect(props).toMatchObject({
        Runtime: 'provided.al2023',
        Architectures: ['arm64'],
        Handler: 'bootstrap',
        MemorySize: s.memory,
        Timeout: s.timeout,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: ref(id(s.log)) },
      });
    }
  });

  test('the processor outlives the longest job and the workflow task outlives the processor', () => {
    const processorTimeout = template.toJSON().Resources[id(stack.functions.processor)].Properties.Timeout;
    const asl = JSON.parse(fs.readFileSync(STATE_MACHINE_DEFINITION, 'utf8'));
    expect(processorTimeout).toBe(asl.States.ProcessJob.TimeoutSeconds - 5);
    expect(asl.States.ProcessJob.TimeoutSeconds).toBeGreaterThan(processorTimeout);
    expect(asl.TimeoutSeconds).toBeLessThan(EXPRESS_LIMIT_SECONDS);
  });

  test('environment carries only the expected names, ARNs as references', () => {
    const r = template.toJSON().Resources;
    for (const s of specs()) {
      const vars = r[id(s.fn)].Properties.Environment.Variables;
      expect(Object.keys(vars).sort()).toEqual([...s.env].sort());
      expect(vars.JOBS_TABLE_NAME).toEqual(ref(id(stack.table.table)));
    }
    expect(r[id(stack.functions.api)].Properties.Environment.Variables.STATE_MACHINE_ARN).toEqual(
      ref(id(stack.workflow.stateMachine)),
    );
    // The api binary refuses to start without it: the Router's routes have no stage.
    expect(r[id(stack.functions.api)].Properties.Environment.Variables.AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH).toBe('true');
  });

  test('log groups keep logs for a bounded time, encrypted with the logs key', () => {
    for (const s of specs()) {
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 30, KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.anyValue() }) },
      });
      const props = template.toJSON().Resources[id(s.log)].Properties;
      expect(props.RetentionInDays).toBe(30);
      expect(props.KmsKeyId).toBeDefined();
    }
  });

  test('roles carry no managed policy', () => {
    for (const s of specs()) {
      const role = template.toJSON().Resources[id(s.fn.role!)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  test('api may read and write jobs (transactions included) and start the workflow, nothing else', () => {
    const f = stack.functions;
    expect(permissionsOfRole(template, id(f.api.role!))).toEqual({
      'logs:CreateLogStream': [getAtt(id(f.logGroups.api))],
      'logs:PutLogEvents': [getAtt(id(f.logGroups.api))],
      'xray:PutTraceSegments': ['*'],
      'xray:PutTelemetryRecords': ['*'],
      'dynamodb:GetItem': [getAtt(id(stack.table.table))],
      'dynamodb:PutItem': [getAtt(id(stack.table.table))],
      'dynamodb:UpdateItem': [getAtt(id(stack.table.table))],
      'dynamodb:ConditionCheckItem': [getAtt(id(stack.table.table))],
      'kms:Decrypt': [getAtt(id(stack.table.key))],
      'kms:Encrypt': [getAtt(id(stack.table.key))],
      'kms:GenerateDataKey': [getAtt(id(stack.table.key))],
      'states:StartExecution': [ref(id(stack.workflow.stateMachine))],
    });
  });

  test('processor and error handler may only get and update jobs', () => {
    const f = stack.functions;
    for (const [fn, log] of [
      [f.processor, f.logGroups.processor],
      [f.errorHandler, f.logGroups.errorHandler],
    ] as const) {
      expect(permissionsOfRole(template, id(fn.role!))).toEqual({
        'logs:CreateLogStream': [getAtt(id(log))],
        'logs:PutLogEvents': [getAtt(id(log))],
        'xray:PutTraceSegments': ['*'],
        'xray:PutTelemetryRecords': ['*'],
        'dynamodb:GetItem': [getAtt(id(stack.table.table))],
        'dynamodb:UpdateItem': [getAtt(id(stack.table.table))],
        'kms:Decrypt': [getAtt(id(stack.table.key))],
        'kms:Encrypt': [getAtt(id(stack.table.key))],
        'kms:GenerateDataKey': [getAtt(id(stack.table.key))],
      });
    }
  });
});

describe('workflow', () => {
  test('is an EXPRESS state machine with the definition inline and substituted', () => {
    const sm = template.toJSON().Resources[id(stack.workflow.stateMachine)].Properties;
    expect(sm.StateMachineType).toBe('EXPRESS');
    expect(typeof sm.DefinitionString).toBe('string');
    expect(JSON.parse(sm.DefinitionString)).toEqual(JSON.parse(fs.readFileSync(STATE_MACHINE_DEFINITION, 'utf8')));
    expect(sm.DefinitionSubstitutions).toEqual({
      ProcessorFunctionArn: getAtt(id(stack.functions.processor)),
      ErrorHandlerFunctionArn: getAtt(id(stack.functions.errorHandler)),
      FailedJobsEventBusName: ref(id(stack.failedJobs.bus)),
    });
    expect(JSON.parse(sm.DefinitionString).TimeoutSeconds).toBeLessThan(300);
  });

  test('logs everything, with execution data, to a KMS-encrypted log group, and traces', () => {
    const sm = template.toJSON().Resources[id(stack.workflow.stateMachine)].Properties;
    expect(sm.LoggingConfiguration).toEqual({
      Level: 'ALL',
      IncludeExecutionData: true,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt(id(stack.workflow.logGroup)) } }],
    });
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    const logGroup = template.toJSON().Resources[id(stack.workflow.logGroup)].Properties;
    expect(logGroup.KmsKeyId).toEqual(getAtt(stack.getLogicalId(stack.node.findChild('LogEncryption').node.findChild('Key').node.defaultChild as CfnElement)));
    expect(logGroup.LogGroupName).toBe('/aws/vendedlogs/states/JobsApi-jobs');
  });

  test('the logs key lets CloudWatch Logs use it only for this account\'s log groups', () => {
    const key = stack.node.findChild('LogEncryption').node.findChild('Key');
    const policy = template.toJSON().Resources[id(key)].Properties.KeyPolicy.Statement;
    const logs = policy.find((s: any) => s.Sid === 'AllowCloudWatchLogsForThisAccountsLogGroups');
    expect(logs.Principal).toEqual({ Service: { 'Fn::Join': ['', ['logs.', ref('AWS::Region'), '.amazonaws.com']] } });
    expect(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn']).toBeDefined();
  });

  test('its role invokes the two functions, puts on the failed-jobs bus, logs and traces', () => {
    const perms = permissionsOfRole(template, id(stack.workflow.stateMachine.role));
    const invokable = (fn: IConstruct) => [getAtt(id(fn)), { 'Fn::Join': ['', [getAtt(id(fn)), ':*']] }];
    expect(perms['lambda:InvokeFunction']).toEqual([
      ...invokable(stack.functions.processor),
      ...invokable(stack.functions.errorHandler),
    ]);
    expect(perms['events:PutEvents']).toEqual([getAtt(id(stack.failedJobs.bus))]);
    expect(perms['xray:PutTraceSegments']).toEqual(['*']);
    expect(perms['logs:CreateLogDelivery']).toEqual(['*']);
    // Wildcard resources only where the service allows nothing narrower.
    for (const [action, resources] of Object.entries(perms)) {
      if (resources.includes('*')) {
        expect(action).toMatch(/^(xray|logs):/);
      }
    }
    expect(perms['lambda:InvokeFunction']).not.toContainEqual(getAtt(id(stack.functions.api)));
  });
});

describe('REST API', () => {
  test('is regional, traced, access-logged and throttled', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    const stage = template.toJSON().Resources[id(stack.api.restApi.deploymentStage)].Properties;
    expect(stage.StageName).toBe('prod');
    expect(stage.TracingEnabled).toBe(true);
    expect(stage.AccessLogSetting.DestinationArn).toEqual(getAtt(id(stack.api.accessLogGroup)));
    expect(stage.AccessLogSetting.Format).toContain('$context.requestId');
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      }),
    ]);
  });

  test('both methods use IAM auth, the validator, and proxy to the api Lambda', () => {
    const validator = resourceByPrefix(template, 'AWS::ApiGateway::RequestValidator', 'ApiRestApiValidator');
    expect(validator[1].Properties).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    const methods = template.findResources('AWS::ApiGateway::Method');
    expect(Object.keys(methods)).toHaveLength(2);
    for (const m of Object.values(methods)) {
      expect(m.Properties.AuthorizationType).toBe('AWS_IAM');
      expect(m.Properties.RequestValidatorId).toEqual(ref(validator[0]));
      expect(m.Properties.Integration.Type).toBe('AWS_PROXY');
      expect(m.Properties.Integration.IntegrationHttpMethod).toBe('POST');
      expect(JSON.stringify(m.Properties.Integration.Uri)).toContain(id(stack.functions.api));
    }
  });

  test('POST /jobs validates the body with the model built from the shared schema file', () => {
    const post = template.toJSON().Resources[id(stack.api.createJob)].Properties;
    expect(post.HttpMethod).toBe('POST');
    const [modelId, model] = resourceByPrefix(template, 'AWS::ApiGateway::Model', 'ApiRestApiCreateJobRequest');
    expect(post.RequestModels).toEqual({ 'application/json': ref(modelId) });
    expect(model.Properties.ContentType).toBe('application/json');
    expect(model.Properties.Schema).toEqual(JSON.parse(fs.readFileSync(CREATE_JOB_SCHEMA, 'utf8')));
  });

  test('GET /jobs/{jobId} requires the path parameter', () => {
    const get = template.toJSON().Resources[id(stack.api.getJob)].Properties;
    expect(get.HttpMethod).toBe('GET');
    expect(get.RequestParameters).toEqual({ 'method.request.path.jobId': true });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{jobId}' });
  });

  test('only API Gateway, from this API, may invoke the api Lambda', () => {
    const perms = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p: any) => p.Properties.FunctionName['Fn::GetAtt'][0] === id(stack.functions.api),
    );
    expect(perms.length).toBeGreaterThan(0);
    for (const p of perms) {
      expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(p.Properties.FunctionName).toEqual(getAtt(id(stack.functions.api)));
      expect(JSON.stringify(p.Properties.SourceArn)).toContain(id(stack.api.restApi));
    }
  });
});

describe('JobsAPIInvokeRole', () => {
  test('is assumable by the account and may invoke exactly the two methods', () => {
    const roleId = id(stack.invokeRole);
    expect(roleId).toMatch(/^JobsAPIInvokeRole/);
    const role = template.toJSON().Resources[roleId].Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':iam::', ref('AWS::AccountId'), ':root']] } },
      },
    ]);
    const methodArn = (verb: string, path: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:', ref('AWS::Partition'), ':execute-api:', ref('AWS::Region'), ':', ref('AWS::AccountId'), ':',
          ref(id(stack.api.restApi)), '/', ref(id(stack.api.restApi.deploymentStage)), `/${verb}/${path}`,
        ],
      ],
    });
    expect(permissionsOfRole(template, roleId)).toEqual({
      'execute-api:Invoke': [methodArn('POST', 'jobs'), methodArn('GET', 'jobs/*')],
    });
  });
});

describe('failed-jobs bus', () => {
  test('archive keeps original JobFailed events for a set time and never replayed ones', () => {
    const archive = template.toJSON().Resources[id(stack.failedJobs.archive)].Properties;
    expect(archive).toEqual({
      ArchiveName: 'JobsApi-failed-jobs',
      Description: expect.any(String),
      SourceArn: getAtt(id(stack.failedJobs.bus)),
      RetentionDays: 90,
      EventPattern: { source: ['jobs.workflow'], 'detail-type': ['JobFailed'], 'replay-name': [{ exists: false }] },
    });
  });

  test('replay rule matches only replayed events and starts the workflow with the processor\'s input shape', () => {
    const rule = template.toJSON().Resources[id(stack.failedJobs.replayRule)].Properties;
    expect(rule.EventBusName).toEqual(ref(id(stack.failedJobs.bus)));
    expect(rule.EventPattern).toEqual({
      source: ['jobs.workflow'],
      'detail-type': ['JobFailed'],
      'replay-name': [{ exists: true }],
    });
    expect(rule.Targets).toHaveLength(1);
    const target = rule.Targets[0];
    expect(target.Arn).toEqual(ref(id(stack.workflow.stateMachine)));
    expect(target.DeadLetterConfig).toEqual({ Arn: getAtt(id(stack.failedJobs.deadLetterQueue)) });
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThan(0);
    expect(permissionsOfRole(template, target.RoleArn['Fn::GetAtt'][0])).toEqual({
      'states:StartExecution': [ref(id(stack.workflow.stateMachine))],
    });
  });

  describe('on sample events', () => {
    const failedEvent = {
      version: '0',
      id: 'e1',
      source: 'jobs.workflow',
      'detail-type': 'JobFailed',
      account: '123456789012',
      region: 'us-east-1',
      time: '2026-11-25T18:00:00Z',
      resources: [],
      detail: {
        id: '3f1c1f6e-2b1a-4a57-9a39-0a7a1c3a4c11',
        parameters: { n: 5 },
        processorError: { Error: 'JobFailed', Cause: 'boom' },
        errorHandlerError: { Error: 'States.Timeout', Cause: 'store down' },
        executionId: 'arn:aws:states:us-east-1:123456789012:express:Jobs:3f1c:x',
      },
    };
    const replayed = { ...failedEvent, 'replay-name': 'failed-jobs-20261125' };
    const otherSource = { ...replayed, source: 'someone.else' };
    const archivePattern = () => template.toJSON().Resources[id(stack.failedJobs.archive)].Properties.EventPattern;
    const rule = () => template.toJSON().Resources[id(stack.failedJobs.replayRule)].Properties;

    test('the archive keeps a first failure but not its replay, so replays never loop', () => {
      expect(matches(archivePattern(), failedEvent)).toBe(true);
      expect(matches(archivePattern(), replayed)).toBe(false);
      expect(matches(archivePattern(), { ...failedEvent, source: 'someone.else' })).toBe(false);
    });

    test('the replay rule ignores a first failure and takes its replay', () => {
      expect(matches(rule().EventPattern, failedEvent)).toBe(false);
      expect(matches(rule().EventPattern, replayed)).toBe(true);
      expect(matches(rule().EventPattern, otherSource)).toBe(false);
    });

    test('the workflow input is {id, parameters, replay: {name}}', () => {
      expect(transform(rule().Targets[0].InputTransformer, replayed)).toEqual({
        id: failedEvent.detail.id,
        parameters: { n: 5 },
        replay: { name: 'failed-jobs-20261125' },
      });
    });
  });

  test('dead-letter queue is encrypted, refuses plain HTTP and accepts only the replay rule', () => {
    const dlqId = id(stack.failedJobs.deadLetterQueue);
    expect(template.toJSON().Resources[dlqId].Properties.SqsManagedSseEnabled).toBe(true);
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p: any) =>
      p.Properties.Queues.some((q: any) => q.Ref === dlqId),
    )!;
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': getAtt(id(stack.failedJobs.replayRule)) } },
      }),
    );
  });
});

describe('alarms and dashboard', () => {
  const alarms = () => Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
  const alarmOn = (metricName: string, dims: Record<string, unknown>) =>
    alarms().filter(
      (a) =>
        a.MetricName === metricName &&
        Object.entries(dims).every(([k, v]) => a.Dimensions?.some((d: any) => d.Name === k && JSON.stringify(d.Value) === JSON.stringify(v))),
    );

  test('workflow failures and timeouts alarm', () => {
    const sm = ref(id(stack.workflow.stateMachine));
    expect(alarmOn('ExecutionsFailed', { StateMachineArn: sm })).toHaveLength(1);
    expect(alarmOn('ExecutionsTimedOut', { StateMachineArn: sm })).toHaveLength(1);
  });

  test('events reaching the archive alarm (its managed rule on the failed bus)', () => {
    expect(
      alarmOn('MatchedEvents', { EventBusName: ref(id(stack.failedJobs.bus)), RuleName: 'Events-Archive-JobsApi-failed-jobs' }),
    ).toHaveLength(1);
  });

  test('API 5xx, DLQ depth, and each function\'s errors and throttles alarm', () => {
    expect(alarmOn('5XXError', { ApiName: Match.anyValue() }).length + alarmOn('5XXError', {}).length).toBeGreaterThan(0);
    expect(alarmOn('ApproximateNumberOfMessagesVisible', { QueueName: getAtt(id(stack.failedJobs.deadLetterQueue), 'QueueName') })).toHaveLength(1);
    for (const fn of [stack.functions.api, stack.functions.processor, stack.functions.errorHandler]) {
      expect(alarmOn('Errors', { FunctionName: ref(id(fn)) })).toHaveLength(1);
      expect(alarmOn('Throttles', { FunctionName: ref(id(fn)) })).toHaveLength(1);
    }
  });

  test('every alarm fires on the first occurrence and ignores missing data', () => {
    for (const a of alarms()) {
      expect(a).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        EvaluationPeriods: 1,
      });
    }
  });

  test('alarms are named after the stack, for the docs to point at', () => {
    const names = alarms().map((a) => a.AlarmName).sort();
    expect(names).toHaveLength(17);
    expect(names).toContain('JobsApi-FailedJobsArchivedAlarm');
    expect(names).toContain('JobsApi-ReplayDeadLetterAlarm');
  });

  test('one dashboard shows the API, workflow, functions and alarms', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const metric of ['5XXError', 'ExecutionsStarted', 'ExecutionsFailed', 'MatchedEvents', 'Duration', 'Throttles']) {
      expect(body).toContain(metric);
    }
  });
});

describe('outputs', () => {
  test('endpoint, role, state machine, console link, archive and replay command', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.JobsAPIInvokeRoleArn.Value).toEqual(getAtt(id(stack.invokeRole)));
    expect(outputs.StateMachineArn.Value).toEqual(ref(id(stack.workflow.stateMachine)));
    expect(JSON.stringify(outputs.ApiEndpoint.Value)).toContain('.execute-api.');
    expect(outputs.StateMachineExecutionsUrl.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'https://', ref('AWS::Region'), '.console.aws.amazon.com/states/home?region=', ref('AWS::Region'),
          '#/statemachines/view/', ref(id(stack.workflow.stateMachine)),
        ],
      ],
    });
    expect(outputs.FailedJobsArchiveName.Value).toBe('JobsApi-failed-jobs');
    const replay = outputs.ReplayCommand.Value['Fn::Join'][1];
    expect(replay[0]).toMatch(/^aws events start-replay .*--event-source-arn $/);
    expect(replay).toContainEqual(getAtt(id(stack.failedJobs.archive)));
    expect(replay).toContainEqual(getAtt(id(stack.failedJobs.bus)));
    expect(replay).toContainEqual(getAtt(id(stack.failedJobs.replayRule)));
    expect(replay[replay.length - 1]).toMatch(/--event-start-time <START.*> --event-end-time <END.*>$/);
  });

  test('the jobs CLI finds the archive, bus, replay rule and log group by output name', () => {
    const outputs = template.toJSON().Outputs;
    expect(outputs.FailedJobsArchiveArn.Value).toEqual(getAtt(id(stack.failedJobs.archive)));
    expect(outputs.FailedJobsBusArn.Value).toEqual(getAtt(id(stack.failedJobs.bus)));
    expect(outputs.ReplayRuleArn.Value).toEqual(getAtt(id(stack.failedJobs.replayRule)));
    expect(outputs.StateMachineLogGroupName.Value).toEqual(ref(id(stack.workflow.logGroup)));
    // The state machine logs there, so that is where the CLI reads histories.
    const [, machine] = resourceByPrefix(template, 'AWS::StepFunctions::StateMachine', 'WorkflowStateMachine');
    const destination = machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup;
    expect(destination.LogGroupArn).toEqual(getAtt(id(stack.workflow.logGroup)));
    // The names the CLI reads (cli/client/src/aws/outputs.rs), all present.
    for (const name of [
      'ApiEndpoint', 'JobsAPIInvokeRoleArn', 'StateMachineArn', 'StateMachineLogGroupName',
      'FailedJobsArchiveName', 'FailedJobsArchiveArn', 'FailedJobsBusArn', 'ReplayRuleArn',
    ]) {
      expect(outputs[name]).toBeDefined();
    }
  });
});
