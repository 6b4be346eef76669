#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JobsStack } from '../lib/jobs-stack';

const app = new App();
new JobsStack(app, 'JobsApi', {
  description: 'Asynchronous jobs API: API Gateway, Rust Lambdas, Step Functions Express, DynamoDB, EventBridge',
});
// Any unacknowledged AwsSolutions finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
