import * as fs from 'fs';
import { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { JobsStack } from '../lib/jobs-stack';
import { STATE_MACHINE_DEFINITION } from '../lib/paths';
import { MAX_REDRIVES, SWEEP_PERIOD } from '../lib/sweeper';
import { getAtt, permissionsOfRole, ref, synthJobsStack } from './synth';

let stack: JobsStack;
let template: Template;
let id: (c: IConstruct) => string;

beforeAll(() => {
  ({ stack, template } = synthJobsStack());
  id = (c: IConstruct) => stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
});

const asl = () => JSON.parse(fs.readFileSync(STATE_MACHINE_DEFINITION, 'utf8'));
const resources = () => template.toJSON().Resources;

describe('sweeper', () => {
  test('runs every minute on an EventBridge schedule, with the standard scheduled event', () => {
    const rules = Object.values(resources()).filter(
      (r: any) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression,
    ) as any[];
    expect(rules).toHaveLength(1);
    const rule = rules[0].Properties;
    expect(rule.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.State).toBe('ENABLED');
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.Targets).toHaveLength(1);
    expect(rule.Targets[0].Arn).toEqual(getAtt(id(stack.functions.sweeper)));
    expect(rule.Targets[0].Input).toBeUndefined();
    // Only that rule may invoke the sweeper.
    const perms = Object.values(resources()).filter(
      (r: any) =>
        r.Type === 'AWS::Lambda::Permission' &&
        r.Properties.FunctionName['Fn::GetAtt'][0] === id(stack.functions.sweeper),
    ) as any[];
    expect(perms).toHaveLength(1);
    expect(perms[0].Properties.Principal).toBe('events.amazonaws.com');
    expect(perms[0].Properties.SourceArn).toEqual(getAtt(id(stack.sweeper.schedule)));
  });

  test('the jobs table has the sparse index of unfinished jobs the sweeper queries', () => {
    const table = resources()[id(stack.table.table)].Properties;
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'unfinished',
        KeySchema: [
          { AttributeName: 'unfinishedShard', KeyType: 'HASH' },
          { AttributeName: 'updatedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  test('may query only that index, get and update jobs, and start the workflow: nothing else', () => {
    const f = stack.functions;
    const tableArn = getAtt(id(stack.table.table));
    expect(permissionsOfRole(template, id(f.sweeper.role!))).toEqual({
      'logs:CreateLogStream': [getAtt(id(f.logGroups.sweeper))],
      'logs:PutLogEvents': [getAtt(id(f.logGroups.sweeper))],
      'xray:PutTraceSegments': ['*'],
      'xray:PutTelemetryRecords': ['*'],
      'dynamodb:Query': [{ 'Fn::Join': ['', [tableArn, '/index/unfinished']] }],
      'dynamodb:GetItem': [tableArn],
      'dynamodb:UpdateItem': [tableArn],
      'kms:Decrypt': [getAtt(id(stack.table.key)), getAtt(id(stack.table.key))],
      'kms:Encrypt': [getAtt(id(stack.table.key))],
      'kms:GenerateDataKey': [getAtt(id(stack.table.key))],
      'states:StartExecution': [ref(id(stack.workflow.stateMachine))],
    });
  });

  test("its bound comes from the workflow definition's TimeoutSeconds", () => {
    const vars = resources()[id(stack.functions.sweeper)].Properties.Environment.Variables;
    expect(vars.WORKFLOW_TIMEOUT_SECONDS).toBe(String(asl().TimeoutSeconds));
    expect(vars.SWEEP_PERIOD_SECONDS).toBe('60');
    expect(vars.MAX_REDRIVES).toBe(String(MAX_REDRIVES));
    expect(vars.STATE_MACHINE_ARN).toEqual(ref(id(stack.workflow.stateMachine)));
    const bound = SWEEP_PERIOD.toSeconds() + asl().TimeoutSeconds * (MAX_REDRIVES + 1);
    expect(stack.sweeper.boundSeconds).toBe(bound);
    expect(template.toJSON().Outputs.UnfinishedJobBoundSeconds.Value).toBe(String(bound));
  });

  test('alarms on re-driven jobs, lost jobs, failed re-drives and its own errors, all on the dashboard', () => {
    const alarms = Object.values(resources()).filter((r: any) => r.Type === 'AWS::CloudWatch::Alarm') as any[];
    const byName = (name: string) => alarms.find((a) => a.Properties.AlarmName === `JobsApi-${name}`)?.Properties;
    for (const [name, metric] of [
      ['JobsRedrivenAlarm', 'JobsRedriven'],
      ['JobsLostAlarm', 'JobsLost'],
      ['RedriveStartFailuresAlarm', 'RedriveStartFailures'],
    ]) {
      const alarm = byName(name);
      expect(alarm).toMatchObject({
        Namespace: 'JobsApi/Sweeper',
        MetricName: metric,
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    const errors = byName('SweeperErrorsAlarm');
    expect(errors).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1 });
    expect(errors.Dimensions).toEqual([{ Name: 'FunctionName', Value: ref(id(stack.functions.sweeper)) }]);
    const body = JSON.stringify(resources()[id(stack.monitoring.dashboard)].Properties.DashboardBody);
    for (const metric of ['JobsRedriven', 'JobsLost', 'RedriveStartFailures']) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('Sweeper: no job left behind');
  });
});

describe('apiReservedConcurrency and apiThrottling', () => {
  test('is off unless asked for', () => {
    expect(resources()[id(stack.functions.api)].Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('reserves concurrency for the api function alone when set', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const reserved = new JobsStack(app, 'Reserved', {
      apiReservedConcurrency: 50,
      apiThrottling: { rateLimit: 500, burstLimit: 1000 },
    });
    const fns = Template.fromStack(reserved).findResources('AWS::Lambda::Function');
    const withReservation = Object.entries(fns).filter(([, f]: any) => f.Properties.ReservedConcurrentExecutions);
    expect(withReservation).toHaveLength(1);
    expect(withReservation[0][0]).toBe(reserved.getLogicalId(reserved.functions.api.node.defaultChild as CfnElement));
    expect((withReservation[0][1] as any).Properties.ReservedConcurrentExecutions).toBe(50);
    const stage = Object.values(Template.fromStack(reserved).findResources('AWS::ApiGateway::Stage'))[0] as any;
    expect(stage.Properties.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
  });
});
