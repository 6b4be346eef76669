#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JobsStack } from '../lib/jobs-stack';
import { workflowTypeOf } from '../lib/jobs-workflow';

const app = new App();
new JobsStack(app, 'JobsApi', {
  description: 'Asynchronous jobs API: API Gateway, Rust Lambdas, Step Functions, DynamoDB, EventBridge',
  // `cdk deploy -c workflowType=STANDARD` for a job longer than the Express window.
  workflowType: workflowTypeOf(app.node.tryGetContext('workflowType')),
});
// Any unacknowledged AwsSolutions finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
